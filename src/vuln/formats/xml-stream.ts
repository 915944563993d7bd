import { SaxesParser } from "saxes";
import { DetenteError } from "../../errors.js";

/** What a consumer of `SafeXmlReader` sees: elements opening and closing, and the text inside them. */
export interface XmlHandlers {
  /** An element opened; `depth` is 1 for the root. Attribute values have entities already decoded. */
  readonly open: (name: string, attributes: Readonly<Record<string, string>>, depth: number) => void;
  /** Character data (text or CDATA) inside an element, possibly in several pieces. */
  readonly text: (text: string) => void;
  /** An element closed (right after `open` for a self-closing one). */
  readonly close: (name: string, depth: number) => void;
}

/** Bounds that keep memory flat whatever the input; the defaults suit scanner reports. */
export interface XmlLimits {
  /** Largest run of characters saxes may buffer between two events (a text node, a tag, comments). */
  readonly maxNodeChars?: number;
  readonly maxDepth?: number;
  readonly maxAttributes?: number;
}

/**
 * Thrown by an `XmlHandlers` callback to reject the content; the reader turns it into a
 * `DetenteError("INVALID_INPUT")` naming the file and the line and column where it happened.
 *
 * @example throw new XmlContentError("ReportItem has no pluginID");
 */
export class XmlContentError extends Error {
  override readonly name = "XmlContentError";
}

const DOCTYPE = "<!DOCTYPE";
const SLICE_CHARS = 1024 * 1024;
const DEFAULTS = {
  maxNodeChars: 32 * 1024 * 1024,
  maxDepth: 100,
  maxAttributes: 256,
} satisfies Required<XmlLimits>;

/**
 * A streaming XML reader for untrusted files, built on saxes, that never expands entities.
 *
 * Bytes are decoded chunk by chunk (a UTF-8 character split across chunks is carried over) and fed to
 * saxes in slices, so memory holds one chunk plus the node being read. saxes itself knows only the five
 * predefined entities and character references: any other `&name;` is an "undefined entity" error, and
 * it never reads a DTD. We go further and reject any DOCTYPE the moment its first characters arrive,
 * before saxes buffers its internal subset, so a "billion laughs" or external-entity (XXE) file costs a
 * few bytes of reading, not its expansion. Every error is a `DetenteError("INVALID_INPUT")` worded
 * "<file>: <what> at line L, column C".
 *
 * @example
 * const xml = new SafeXmlReader("scan.nessus", { open: (n) => names.push(n), text: () => {}, close: () => {} });
 * for await (const chunk of chunks) xml.push(chunk);
 * xml.end();
 */
export class SafeXmlReader {
  private readonly parser = new SaxesParser({ xmlns: false, position: true });
  private readonly decoder = new TextDecoder("utf-8"); // drops a leading BOM; bad bytes become U+FFFD
  private readonly limits: Required<XmlLimits>;
  /** True until the root element starts: the only place a DOCTYPE may legally appear. */
  private prologue = true;
  /** The last few characters of the prologue, held back so a DOCTYPE split across chunks is seen whole. */
  private held = "";
  private lastEvent = 0;
  private depth = 0;
  private failed = false;

  constructor(
    private readonly name: string,
    handlers: XmlHandlers,
    limits: XmlLimits = {},
  ) {
    this.limits = { ...DEFAULTS, ...limits };
    const p = this.parser;
    const mark = (): void => {
      this.lastEvent = p.position;
    };
    // Only six handlers, on purpose: saxes stores each one as a new property of the parser, and from
    // about eight V8 turns the parser into a slow dictionary object, which cuts throughput tenfold.
    // Comments, processing instructions and the attributes of one tag raise no event; the node-size
    // bound below covers them, since they are read between two events.
    p.on("opentag", (tag) => {
      this.prologue = false;
      if (++this.depth > this.limits.maxDepth) {
        throw new XmlContentError(`elements are nested more than ${this.limits.maxDepth} deep`);
      }
      if (Object.keys(tag.attributes).length > this.limits.maxAttributes) {
        throw new XmlContentError(`an element has more than ${this.limits.maxAttributes} attributes`);
      }
      handlers.open(tag.name, tag.attributes, this.depth);
      mark();
    });
    p.on("closetag", (tag) => {
      handlers.close(tag.name, this.depth--);
      mark();
    });
    p.on("text", (text) => {
      if (this.depth > 0) handlers.text(text);
      mark();
    });
    p.on("cdata", (text) => {
      if (this.depth > 0) handlers.text(text);
      mark();
    });
    // Unreachable while the prologue scan works; kept so that no DOCTYPE can ever get through.
    p.on("doctype", () => {
      throw new XmlContentError(DOCTYPE_REJECTED);
    });
    p.on("error", (e) => {
      throw new XmlContentError(saxesReason(e.message));
    });
  }

  /** Feed the next chunk of bytes. Throws DetenteError("INVALID_INPUT") on malformed or hostile XML. */
  push(chunk: Uint8Array): void {
    this.feed(this.decoder.decode(chunk, { stream: true }), false);
  }

  /** Signal the end of input; throws if the document is incomplete (truncated file, unclosed tags). */
  end(): void {
    this.feed(this.decoder.decode(), true);
  }

  private feed(decoded: string, last: boolean): void {
    if (this.failed)
      throw new DetenteError("INVALID_INPUT", `${this.name}: reading continued after an error`);
    try {
      let text = this.held + decoded;
      this.held = "";
      if (this.prologue) {
        const at = text.indexOf(DOCTYPE);
        if (at >= 0) {
          this.write(text.slice(0, at));
          throw this.error(DOCTYPE_REJECTED, 1); // saxes now stands just before the "<"
        }
        if (!last) {
          const keep = Math.min(text.length, DOCTYPE.length - 1);
          this.held = text.slice(text.length - keep);
          text = text.slice(0, text.length - keep);
        }
      }
      this.write(text);
      if (last) this.parser.close();
    } catch (e) {
      this.failed = true;
      if (e instanceof XmlContentError) throw this.error(e.message);
      throw e;
    }
  }

  /** Write in bounded slices, checking after each that saxes is not buffering an unbounded node. */
  private write(text: string): void {
    for (let start = 0; start < text.length;) {
      let end = Math.min(text.length, start + SLICE_CHARS);
      // Keep a surrogate pair in one slice.
      if (end < text.length && isHighSurrogate(text.charCodeAt(end - 1))) end++;
      this.parser.write(text.slice(start, end));
      start = end;
      if (this.parser.position - this.lastEvent > this.limits.maxNodeChars) {
        throw new XmlContentError(
          `a single XML node is longer than ${this.limits.maxNodeChars} characters (corrupt or hostile file)`,
        );
      }
    }
  }

  /**
   * saxes' column is the 0-based index of the next character, i.e. the 1-based column of the last one
   * read, which is where saxes and our handlers notice a problem; `ahead` 1 points at the next one.
   */
  private error(reason: string, ahead = 0): DetenteError {
    const line = this.parser.line;
    const column = this.parser.column + ahead;
    return new DetenteError("INVALID_INPUT", `${this.name}: ${reason} at line ${line}, column ${column}`, {
      line,
      column,
      reason,
    });
  }
}

const DOCTYPE_REJECTED =
  "DOCTYPE declarations are not allowed (they can declare entities that expand without bound or read " +
  "local files; scanner reports never need one)";

/** saxes words errors as "<line>:<column>: <message>."; keep just the message, without the full stop. */
function saxesReason(message: string): string {
  let i = 0;
  // Skip the "<digits>:<digits>: " prefix by hand: no regex on input-derived text.
  for (let colons = 0; i < message.length && colons < 2; i++) {
    const c = message.charCodeAt(i);
    if (c === 0x3a) colons++;
    else if (c < 0x30 || c > 0x39) return trimStop(message);
  }
  return trimStop(message.slice(i).trimStart());
}

function trimStop(s: string): string {
  return s.endsWith(".") ? s.slice(0, -1) : s;
}

function isHighSurrogate(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}
