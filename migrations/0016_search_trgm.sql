-- the inbox search by rare words: a trigram index (pg_trgm, a trusted extension since
-- PostgreSQL 13, so a database owner may create it; PGlite loads it from its contrib build)
CREATE EXTENSION IF NOT EXISTS pg_trgm;--> statement-breakpoint
CREATE INDEX "messages_search_trgm" ON "messages" USING gin ((coalesce("subject", '') || ' ' || coalesce("body", '')) gin_trgm_ops);
