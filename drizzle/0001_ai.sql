CREATE TABLE "ai_events" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "ai_events_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"at" timestamp with time zone NOT NULL,
	"request_id" text NOT NULL,
	"key_id" text,
	"user_name" text,
	"team" text,
	"tool" text,
	"endpoint" text NOT NULL,
	"upstream" text,
	"provider" text,
	"model_requested" text,
	"model_used" text,
	"stream" boolean NOT NULL,
	"action" text NOT NULL,
	"status" integer NOT NULL,
	"reasons" text[] DEFAULT '{}'::text[] NOT NULL,
	"detections" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"latency_ms" real NOT NULL,
	"overhead_ms" real NOT NULL,
	"ttft_ms" real,
	"tokens_in" integer,
	"tokens_out" integer,
	"request_hash" text NOT NULL,
	"error" text
);
--> statement-breakpoint
CREATE TABLE "ai_keys" (
	"id" text PRIMARY KEY NOT NULL,
	"hash" text NOT NULL,
	"prefix" text NOT NULL,
	"name" text DEFAULT '' NOT NULL,
	"user_name" text NOT NULL,
	"team" text NOT NULL,
	"tool" text,
	"created_at" timestamp with time zone NOT NULL,
	"expires_at" timestamp with time zone,
	"revoked_at" timestamp with time zone,
	"last_used_at" timestamp with time zone,
	CONSTRAINT "ai_keys_hash_unique" UNIQUE("hash")
);
--> statement-breakpoint
CREATE INDEX "ai_events_at_idx" ON "ai_events" USING btree ("at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "ai_events_team_at_idx" ON "ai_events" USING btree ("team","at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "ai_events_tool_at_idx" ON "ai_events" USING btree ("tool","at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "ai_events_action_at_idx" ON "ai_events" USING btree ("action","at" DESC NULLS LAST);