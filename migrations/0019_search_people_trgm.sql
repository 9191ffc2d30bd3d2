-- the inbox search by a patient's name, an address or a phone number typed any way: trigram
-- indexes (pg_trgm, created by 0016) find the patients first when few match
CREATE INDEX "contact_points_value_trgm" ON "contact_points" USING gin ("value" gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "contact_points_digits_trgm" ON "contact_points" USING gin (regexp_replace("value", '[^0-9]', '', 'g') gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "patients_name_trgm" ON "patients" USING gin ((coalesce("first_name", '') || ' ' || coalesce("last_name", '')) gin_trgm_ops);