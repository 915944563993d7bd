import { num, time } from "../format";
import { useApi, useTitle } from "../hooks";
import { useSession } from "../session";
import type { ImportRecord } from "../types";
import { Empty, ErrorBox, Loading, Section } from "../ui";
import { UploadReport } from "./upload";

/** Reports imported so far, newest first, and (for roles that may import) an upload form. */
export function ImportsPage() {
  useTitle("Imports");
  const { can } = useSession();
  const { data, error, reload } = useApi<{ imports: ImportRecord[] }>("/api/imports");
  return (
    <div className="page">
      <div className="page-head">
        <h1>Imports</h1>
        <p className="muted">Scanner reports loaded into detente. Each import is all or nothing.</p>
      </div>
      {can("import") ? (
        <Section title="Upload a report">
          <UploadReport onImported={reload} />
        </Section>
      ) : (
        <p className="notice">Your role can read imports but not upload reports.</p>
      )}
      <Section title="Recent imports">
        {error ? <ErrorBox error={error} what="the imports" /> : null}
        {!data && !error ? <Loading what="the imports" /> : null}
        {data?.imports.length === 0 ? <Empty>No reports imported yet.</Empty> : null}
        {data && data.imports.length > 0 ? (
          <div className="table-wrap">
            <table className="data" aria-label="Imports">
              <thead>
                <tr>
                  <th scope="col">Report</th>
                  <th scope="col">Format</th>
                  <th scope="col">Finished</th>
                  <th scope="col" className="num">
                    Findings
                  </th>
                  <th scope="col" className="num">
                    New
                  </th>
                  <th scope="col" className="num">
                    Updated
                  </th>
                  <th scope="col" className="num">
                    Reopened
                  </th>
                  <th scope="col" className="num">
                    Closed
                  </th>
                  <th scope="col" className="num">
                    No asset
                  </th>
                </tr>
              </thead>
              <tbody>
                {data.imports.map((i) => (
                  <tr key={i.id}>
                    <th scope="row" className="break" title={i.source}>
                      {i.source.split(/[\\/]/).pop()}
                      {i.fullScan ? <span className="badge subtle">full scan</span> : null}
                    </th>
                    <td>{i.format}</td>
                    <td className="nowrap">
                      {i.finishedAt ? (
                        time(i.finishedAt)
                      ) : (
                        <span className="badge sla-due-soon">running</span>
                      )}
                    </td>
                    <td className="num">{num(i.findings)}</td>
                    <td className="num">{num(i.created)}</td>
                    <td className="num">{num(i.updated)}</td>
                    <td className="num">{num(i.reopened)}</td>
                    <td className="num">{num(i.closed)}</td>
                    <td className="num">{num(i.unmatched)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
      </Section>
    </div>
  );
}
