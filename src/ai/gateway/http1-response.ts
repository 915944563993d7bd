// A response of the gateway's HTTP/1.1 front (see http1.ts), written straight to the socket.
import { EventEmitter } from "node:events";
import { STATUS_CODES, type OutgoingHttpHeaders } from "node:http";
import type { Socket } from "node:net";
import type { GatewayResponse } from "./http-shapes.js";
import { BAD_VALUE_CHAR, TOKEN } from "./http1-head.js";

const EMPTY = Buffer.alloc(0);

let dateSecond = -1;
let dateText = "";
/** The Date header's value, made once a second. */
function httpDate(): string {
  const now = Date.now();
  const second = Math.floor(now / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateText = new Date(second * 1000).toUTCString();
  }
  return dateText;
}

function checkedValue(name: string, value: string): string {
  if (BAD_VALUE_CHAR.test(value)) throw new TypeError(`Invalid character in header content ["${name}"]`);
  return value;
}

function byteLength(chunk: string | Buffer): number {
  return typeof chunk === "string" ? Buffer.byteLength(chunk) : chunk.byteLength;
}

/** What a connection tells the responses it serves. */
export interface ResponseOwner {
  /** The Connection header a response should send: keep-alive with its timeout, or close. */
  connectionHeader(): string;
  responded(res: Http1Response): void;
}

/**
 * One response written straight to the connection's socket, with `node:http`'s meaning: a head built by
 * `writeHead` goes out with the first write (`flushHeaders` sends it alone); a body given whole to `end`
 * gets a Content-Length, anything written in pieces without one is chunked. 'close' is emitted once,
 * after the last byte was handed to the kernel ('finish' first) or when the client went away.
 */
export class Http1Response extends EventEmitter implements GatewayResponse {
  statusCode = 200;
  destroyed = false;
  headersSent = false;
  writableEnded = false;
  writableFinished = false;
  /** True when the connection closes after this response (`Connection: close` was sent). */
  closes = false;
  private head = "";
  private length = -1;
  private sent = false;
  private chunked = false;
  private closed = false;

  constructor(
    private readonly owner: ResponseOwner,
    private readonly socket: Socket,
  ) {
    super();
  }

  writeHead(status: number, headers: OutgoingHttpHeaders): this {
    if (this.headersSent) throw new Error("The response's head was already written.");
    if (!Number.isInteger(status) || status < 100 || status > 999)
      throw new RangeError(`Invalid status code: ${status}`);
    this.statusCode = status;
    let head = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? "Unknown"}\r\n`;
    let connection = "";
    for (const name in headers) {
      const value = headers[name];
      if (value === undefined) continue;
      if (!TOKEN.test(name)) throw new TypeError(`Header name must be a valid HTTP token ["${name}"]`);
      const lower = name.toLowerCase();
      // Framing is this front's: a body's length is given by the gateway or counted here.
      if (lower === "transfer-encoding") throw new TypeError("The front frames response bodies itself.");
      if (lower === "content-length") this.length = Number(value);
      if (lower === "connection") connection = String(value);
      if (Array.isArray(value)) for (const v of value) head += `${name}: ${checkedValue(name, v)}\r\n`;
      else head += `${name}: ${checkedValue(name, String(value))}\r\n`;
    }
    head += `Date: ${httpDate()}\r\n`;
    if (connection === "") {
      const own = this.owner.connectionHeader();
      head += own;
      this.closes = own.startsWith("Connection: close");
    } else this.closes = connection.toLowerCase() === "close";
    this.head = head;
    this.headersSent = true;
    return this;
  }

  flushHeaders(): void {
    if (!this.headersSent) this.writeHead(this.statusCode, {});
    if (this.sent || this.destroyed) return;
    this.socket.write(this.framedHead(), "latin1");
  }

  write(chunk: string | Buffer): boolean {
    if (this.writableEnded || this.destroyed) return false;
    if (!this.headersSent) this.writeHead(this.statusCode, {});
    const s = this.socket;
    const n = byteLength(chunk);
    if (n === 0 && this.sent) return s.writableLength < s.writableHighWaterMark;
    s.cork();
    if (!this.sent) s.write(this.framedHead(), "latin1");
    let ok = true;
    if (n > 0) {
      if (this.chunked) {
        s.write(`${n.toString(16)}\r\n`, "latin1");
        s.write(chunk);
        ok = s.write("\r\n", "latin1");
      } else ok = s.write(chunk);
    }
    s.uncork();
    return ok;
  }

  end(chunk?: string | Buffer): this {
    if (this.writableEnded) return this;
    if (!this.headersSent) this.writeHead(this.statusCode, {});
    this.writableEnded = true;
    if (this.destroyed) return this;
    const s = this.socket;
    const n = chunk === undefined ? 0 : byteLength(chunk);
    s.cork();
    if (!this.sent && this.length < 0) {
      this.head += `Content-Length: ${n}\r\n`;
      this.length = n;
    }
    if (!this.sent) s.write(this.framedHead(), "latin1");
    if (this.chunked) {
      if (n > 0) {
        s.write(`${n.toString(16)}\r\n`, "latin1");
        s.write(chunk!);
        s.write("\r\n", "latin1");
      }
      s.write("0\r\n\r\n", "latin1", this.onFlushed);
    } else s.write(n > 0 ? chunk! : EMPTY, this.onFlushed);
    s.uncork();
    this.owner.responded(this);
    return this;
  }

  destroy(): this {
    this.destroyed = true;
    this.socket.destroy();
    return this;
  }

  /** The client went away (or the connection was cut) before this response was done. */
  gone(): void {
    this.destroyed = true;
    this.close();
  }

  private readonly onFlushed = (err?: Error | null): void => {
    if (!err) {
      this.writableFinished = true;
      this.emit("finish");
    } else this.destroyed = true;
    this.close();
  };

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    this.emit("close");
  }

  /** The head with its framing: chunked when no length is known by now. */
  private framedHead(): string {
    this.sent = true;
    if (this.length < 0) {
      this.chunked = true;
      return `${this.head}Transfer-Encoding: chunked\r\n\r\n`;
    }
    return `${this.head}\r\n`;
  }
}
