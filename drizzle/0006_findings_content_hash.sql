-- What the last import staged for each finding, hashed (services/findings/staging.ts): a re-import that
-- would stage the same values and decision again only marks the finding seen instead of rewriting all of
-- its columns. NULL (the value of every existing row) means "compare nothing": the next import writes the
-- row in full and sets it.
ALTER TABLE "findings" ADD COLUMN "content_hash" bigint;
