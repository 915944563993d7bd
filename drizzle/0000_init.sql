CREATE TABLE "assets" (
	"key" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"owner" text NOT NULL,
	"environment" text NOT NULL,
	"criticality" text NOT NULL,
	"exposure" text NOT NULL,
	"data_classification" text NOT NULL,
	"slo_target" real,
	"tags" text[] DEFAULT '{}'::text[] NOT NULL,
	"matchers" jsonb NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "finding_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"finding_id" bigint NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"kind" text NOT NULL,
	"import_id" bigint,
	"detail" text DEFAULT '' NOT NULL
);
--> statement-breakpoint
CREATE TABLE "finding_sources" (
	"finding_id" bigint NOT NULL,
	"scanner" text NOT NULL,
	"rule" text NOT NULL,
	"first_seen" timestamp with time zone NOT NULL,
	"last_seen" timestamp with time zone NOT NULL,
	"last_import_id" bigint NOT NULL,
	"present" boolean DEFAULT true NOT NULL,
	CONSTRAINT "finding_sources_finding_id_scanner_pk" PRIMARY KEY("finding_id","scanner")
);
--> statement-breakpoint
CREATE TABLE "findings" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"fingerprint" text NOT NULL,
	"vuln_id" text NOT NULL,
	"component" text NOT NULL,
	"version" text NOT NULL,
	"ecosystem" text NOT NULL,
	"purl" text NOT NULL,
	"fixed_versions" text[] DEFAULT '{}'::text[] NOT NULL,
	"location" text NOT NULL,
	"asset_key" text NOT NULL,
	"severity" text NOT NULL,
	"cvss3_vector" text,
	"cvss3_score" real,
	"cvss4_vector" text,
	"cvss4_score" real,
	"scanner_epss" real,
	"scanner_epss_percentile" real,
	"scanner_kev" boolean,
	"exploit_available" boolean,
	"status" text DEFAULT 'open' NOT NULL,
	"status_detail" text DEFAULT '' NOT NULL,
	"first_seen" timestamp with time zone NOT NULL,
	"last_seen" timestamp with time zone NOT NULL,
	"closed_at" timestamp with time zone,
	"last_import_id" bigint,
	"outcome" text NOT NULL,
	"outcome_rank" smallint NOT NULL,
	"deployer" text NOT NULL,
	"score" real NOT NULL,
	"due_date" date NOT NULL,
	"top_reason" text NOT NULL,
	"owner" text NOT NULL,
	"asset_matched" boolean NOT NULL,
	"decided_at" timestamp with time zone NOT NULL,
	CONSTRAINT "findings_fingerprint_unique" UNIQUE("fingerprint")
);
--> statement-breakpoint
CREATE TABLE "imports" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"source" text NOT NULL,
	"format" text NOT NULL,
	"full_scan" boolean NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"finished_at" timestamp with time zone,
	"findings" integer DEFAULT 0 NOT NULL,
	"created" integer DEFAULT 0 NOT NULL,
	"updated" integer DEFAULT 0 NOT NULL,
	"closed" integer DEFAULT 0 NOT NULL,
	"reopened" integer DEFAULT 0 NOT NULL,
	"unmatched" integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "settings" (
	"key" text PRIMARY KEY NOT NULL,
	"value" jsonb NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "vulnerabilities" (
	"vuln_id" text PRIMARY KEY NOT NULL,
	"aliases" text[] DEFAULT '{}'::text[] NOT NULL,
	"title" text NOT NULL,
	"references" text[] DEFAULT '{}'::text[] NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "intel_cvss" (
	"cve" text NOT NULL,
	"source" text NOT NULL,
	"cvss3_vector" text,
	"cvss3_score" real,
	"cvss4_vector" text,
	"cvss4_score" real,
	CONSTRAINT "intel_cvss_cve_source_pk" PRIMARY KEY("cve","source")
);
--> statement-breakpoint
CREATE TABLE "intel_epss" (
	"cve" text PRIMARY KEY NOT NULL,
	"score" real NOT NULL,
	"percentile" real NOT NULL
);
--> statement-breakpoint
CREATE TABLE "intel_kev" (
	"cve" text PRIMARY KEY NOT NULL,
	"vendor_project" text NOT NULL,
	"product" text NOT NULL,
	"name" text NOT NULL,
	"date_added" date NOT NULL,
	"due_date" date NOT NULL,
	"required_action" text NOT NULL,
	"ransomware" boolean NOT NULL
);
--> statement-breakpoint
CREATE TABLE "intel_sources" (
	"source" text PRIMARY KEY NOT NULL,
	"version" text NOT NULL,
	"source_date" text NOT NULL,
	"rows" integer NOT NULL,
	"origin" text NOT NULL,
	"loaded_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "intel_ssvc" (
	"cve" text PRIMARY KEY NOT NULL,
	"exploitation" text NOT NULL,
	"automatable" text NOT NULL,
	"technical_impact" text NOT NULL,
	"timestamp" text NOT NULL
);
--> statement-breakpoint
ALTER TABLE "finding_events" ADD CONSTRAINT "finding_events_finding_id_findings_id_fk" FOREIGN KEY ("finding_id") REFERENCES "public"."findings"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "finding_sources" ADD CONSTRAINT "finding_sources_finding_id_findings_id_fk" FOREIGN KEY ("finding_id") REFERENCES "public"."findings"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "finding_events_finding_idx" ON "finding_events" USING btree ("finding_id","at");--> statement-breakpoint
CREATE INDEX "findings_queue_idx" ON "findings" USING btree ("outcome_rank" DESC NULLS LAST,"score" DESC NULLS LAST,"id") WHERE "findings"."status" IN ('open', 'under_investigation');--> statement-breakpoint
CREATE INDEX "findings_asset_idx" ON "findings" USING btree ("asset_key");--> statement-breakpoint
CREATE INDEX "findings_vuln_idx" ON "findings" USING btree ("vuln_id");--> statement-breakpoint
CREATE INDEX "findings_owner_idx" ON "findings" USING btree ("owner");