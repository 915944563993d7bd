import { useRef, useState, type DragEvent, type SyntheticEvent } from "react";
import { ApiError, uploadReport } from "../api";
import { num } from "../format";
import { Link } from "../router";
import type { ImportRecord } from "../types";

type State =
  | { step: "idle" }
  | { step: "uploading"; sent: number }
  | { step: "importing" }
  | { step: "done"; result: ImportRecord }
  | { step: "failed"; message: string };

/**
 * Upload a scanner report: a progress bar while it is sent, then a notice while the server imports it,
 * then what changed. The server detects the format (Trivy, Grype, SARIF, CycloneDX, Nessus, OSV, CSV).
 */
export function UploadReport({ onImported }: { onImported: () => void }) {
  const [file, setFile] = useState<File | null>(null);
  const [fullScan, setFullScan] = useState(false);
  const [asset, setAsset] = useState("");
  const [state, setState] = useState<State>({ step: "idle" });
  const [dragging, setDragging] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  const busy = state.step === "uploading" || state.step === "importing";

  const submit = async (e: SyntheticEvent): Promise<void> => {
    e.preventDefault();
    if (!file) return;
    setState({ step: "uploading", sent: 0 });
    try {
      const answer = await uploadReport<{ import: ImportRecord }>(file, {
        fullScan,
        asset: asset.trim(),
        onProgress: (sent) => {
          setState(sent >= 1 ? { step: "importing" } : { step: "uploading", sent });
        },
      });
      setState({ step: "done", result: answer.import });
      setFile(null);
      if (input.current) input.current.value = "";
      onImported();
    } catch (err: unknown) {
      setState({ step: "failed", message: err instanceof ApiError ? err.message : "The upload failed." });
    }
  };

  const onDrop = (e: DragEvent): void => {
    e.preventDefault();
    setDragging(false);
    const f = e.dataTransfer.files[0];
    if (f) setFile(f);
  };

  return (
    <form
      className="upload"
      aria-label="Upload a report"
      onSubmit={(e) => {
        void submit(e);
      }}
    >
      <div
        className={`dropzone${dragging ? " dragging" : ""}`}
        onDragOver={(e) => {
          e.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => {
          setDragging(false);
        }}
        onDrop={onDrop}
      >
        <label className="file-label">
          <span>Report file</span>
          <input
            ref={input}
            type="file"
            name="file"
            accept=".json,.sarif,.xml,.nessus,.csv,.cdx,.txt"
            disabled={busy}
            onChange={(e) => {
              setFile(e.target.files?.[0] ?? null);
              setState({ step: "idle" });
            }}
          />
        </label>
        <p className="muted small">
          Or drop a file here. Trivy, Grype, OSV-Scanner, SARIF, CycloneDX (VEX), Nessus or CSV; the format is
          detected.
        </p>
      </div>
      <label className="check">
        <input
          type="checkbox"
          checked={fullScan}
          disabled={busy}
          onChange={(e) => {
            setFullScan(e.target.checked);
          }}
        />
        Full scan: findings on these assets that the report no longer lists are closed as fixed
      </label>
      <label>
        <span>Asset key (optional)</span>
        <input
          type="text"
          name="asset"
          value={asset}
          disabled={busy}
          placeholder="for reports that do not name the scanned asset, such as OSV-Scanner"
          onChange={(e) => {
            setAsset(e.target.value);
          }}
        />
      </label>
      <div>
        <button type="submit" className="button primary" disabled={!file || busy}>
          {busy ? "Importing…" : "Upload and import"}
        </button>
      </div>
      <UploadStatus state={state} />
    </form>
  );
}

function UploadStatus({ state }: { state: State }) {
  switch (state.step) {
    case "idle":
      return null;
    case "uploading":
      return (
        <div role="status" className="progress-block">
          <progress max={1} value={state.sent} aria-label="Upload progress" />
          <span>Uploading… {Math.round(state.sent * 100)}%</span>
        </div>
      );
    case "importing":
      return (
        <div role="status" className="progress-block">
          <progress aria-label="Import progress" />
          <span>Uploaded. Reading the report and deciding each finding…</span>
        </div>
      );
    case "failed":
      return (
        <p role="alert" className="error-box">
          <strong>The import failed.</strong> {state.message} Nothing was changed.
        </p>
      );
    case "done": {
      const r = state.result;
      return (
        <div role="status" className="success-box">
          <strong>
            Imported {r.source} ({r.format}).
          </strong>{" "}
          {num(r.findings)} findings read: {num(r.created)} new, {num(r.updated)} updated, {num(r.reopened)}{" "}
          reopened, {num(r.closed)} closed
          {r.unmatched > 0 ? `; ${num(r.unmatched)} matched no asset` : ""}.{" "}
          <Link to="/queue">See the escalation queue</Link>
        </div>
      );
    }
  }
}
