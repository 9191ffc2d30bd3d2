CREATE TABLE "ehr_connections" (
	"practice_id" uuid PRIMARY KEY NOT NULL,
	"fhir_base_url" text NOT NULL,
	"auth_kind" text NOT NULL,
	"token_url" text,
	"client_id" text,
	"scope" text,
	"secret" text NOT NULL,
	"sync_minutes" integer,
	"write_back" boolean DEFAULT false NOT NULL,
	"status" text DEFAULT 'new' NOT NULL,
	"status_reason" text,
	"consecutive_failures" integer DEFAULT 0 NOT NULL,
	"next_sync_at" timestamp with time zone,
	"syncing_since" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "ehr_patient_links" (
	"practice_id" uuid NOT NULL,
	"fhir_patient_id" text NOT NULL,
	"patient_id" uuid NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	"last_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "ehr_patient_links_practice_id_fhir_patient_id_pk" PRIMARY KEY("practice_id","fhir_patient_id")
);
--> statement-breakpoint
CREATE TABLE "ehr_write_backs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"practice_id" uuid NOT NULL,
	"appointment_id" uuid NOT NULL,
	"action" text NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"via" text NOT NULL,
	"starts_at" timestamp with time zone,
	"slot_appointment_id" uuid,
	"created_resource_id" text,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone,
	"claimed_at" timestamp with time zone,
	"last_error" text,
	"done_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "import_runs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"practice_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"trigger" text NOT NULL,
	"status" text DEFAULT 'running' NOT NULL,
	"total" integer DEFAULT 0 NOT NULL,
	"done" integer DEFAULT 0 NOT NULL,
	"counts" jsonb,
	"problems" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"error" text,
	"actor_user_id" uuid,
	"actor_token_id" uuid,
	"started_at" timestamp with time zone NOT NULL,
	"finished_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "appointments" ADD COLUMN "ehr_resource_id" text;--> statement-breakpoint
ALTER TABLE "appointments" ADD COLUMN "ehr_version_id" text;--> statement-breakpoint
ALTER TABLE "ehr_connections" ADD CONSTRAINT "ehr_connections_practice_id_practices_id_fk" FOREIGN KEY ("practice_id") REFERENCES "public"."practices"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ehr_patient_links" ADD CONSTRAINT "ehr_patient_links_practice_id_practices_id_fk" FOREIGN KEY ("practice_id") REFERENCES "public"."practices"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ehr_patient_links" ADD CONSTRAINT "ehr_patient_links_patient_id_patients_id_fk" FOREIGN KEY ("patient_id") REFERENCES "public"."patients"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ehr_write_backs" ADD CONSTRAINT "ehr_write_backs_practice_id_practices_id_fk" FOREIGN KEY ("practice_id") REFERENCES "public"."practices"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ehr_write_backs" ADD CONSTRAINT "ehr_write_backs_appointment_id_appointments_id_fk" FOREIGN KEY ("appointment_id") REFERENCES "public"."appointments"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "import_runs" ADD CONSTRAINT "import_runs_practice_id_practices_id_fk" FOREIGN KEY ("practice_id") REFERENCES "public"."practices"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "ehr_patient_links_patient_id_index" ON "ehr_patient_links" USING btree ("patient_id");--> statement-breakpoint
CREATE INDEX "ehr_write_backs_appointment_id_created_at_index" ON "ehr_write_backs" USING btree ("appointment_id","created_at");--> statement-breakpoint
CREATE INDEX "ehr_write_backs_practice_id_status_index" ON "ehr_write_backs" USING btree ("practice_id","status");--> statement-breakpoint
CREATE INDEX "import_runs_practice_id_kind_started_at_index" ON "import_runs" USING btree ("practice_id","kind","started_at");--> statement-breakpoint
CREATE UNIQUE INDEX "appointments_practice_ehr_resource" ON "appointments" USING btree ("practice_id","ehr_resource_id") WHERE ehr_resource_id is not null;