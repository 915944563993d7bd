-- Fingerprints are hex digests: compare them byte by byte. Under a linguistic collation (the database's
-- default, en_US.UTF-8 or even C.UTF-8) every comparison of the unique index goes through strcoll and
-- sorting it cannot use abbreviated keys, so building the index after a bulk load took more than twice as
-- long, and each lookup by fingerprint cost more. Equality and uniqueness are the same in either
-- collation; nothing orders findings by fingerprint for people to read.
ALTER TABLE "findings" ALTER COLUMN "fingerprint" TYPE text COLLATE "C";
