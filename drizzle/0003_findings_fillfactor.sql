-- Leave half of each page of findings and finding_sources free, so that an import updating a finding the
-- store already has (a re-import: only last_seen, last_import_id and the decision time change) writes the
-- new row version on the same page as a heap-only tuple: no new entry in any of the six indexes of
-- findings, and old versions are pruned in place by the next import. With full pages each such update
-- went to another page with an entry in every index, which made a re-import twice the work of the
-- first. The heap takes up to twice the disk; the indexes do not grow. Applies to pages written from now
-- on (VACUUM FULL rewrites older ones).
ALTER TABLE "findings" SET (fillfactor = 50);--> statement-breakpoint
ALTER TABLE "finding_sources" SET (fillfactor = 50);
