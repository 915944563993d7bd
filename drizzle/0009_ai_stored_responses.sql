-- Who may use a stored response through the gateway: for each Responses API answer it passed on with an
-- id, the SHA-256 of the id, the upstream it lives on, the detente key that created it and the model.
-- Rows older than 30 days (what OpenAI keeps) grant nothing and are swept by the gateway.
CREATE TABLE "ai_stored_responses" (
	"id_hash" text NOT NULL,
	"upstream" text NOT NULL,
	"key_id" text NOT NULL,
	"model" text,
	"model_routed" text,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "ai_stored_responses_id_hash_upstream_pk" PRIMARY KEY("id_hash","upstream")
);
--> statement-breakpoint
CREATE INDEX "ai_stored_responses_created_at_idx" ON "ai_stored_responses" USING btree ("created_at");
