import { z } from '@hono/zod-openapi';
import type { TriageEntities, TriageResult } from '../../triage/types';

export const playbookEntities = ['medications', 'pharmacy', 'dateOfBirth', 'callbackNumber', 'dates'] as const;
export type PlaybookEntity = (typeof playbookEntities)[number];

export const ConversationPlaybookSchema = z
  .object({
    queue: z.object({ id: z.uuid(), key: z.string(), name: z.string() }),
    items: z.array(
      z.object({
        key: z.string(),
        label: z.string(),
        entity: z.enum(playbookEntities).nullable(),
        value: z.string().nullable().openapi({ description: "prefilled from the latest triaged patient message; null when it named nothing" }),
      }),
    ),
  })
  .nullable()
  .openapi('ConversationPlaybook', { description: "the checklist of the conversation's queue, beside the conversation" });

export interface MedicationMention {
  name: string;
  strength?: string;
}

/** The medications a triage found, with strengths where the patient gave one. */
export function medicationsOf(entities: TriageEntities | undefined): MedicationMention[] {
  if (!entities) return [];
  const details = Array.isArray(entities.medicationDetails) ? (entities.medicationDetails as unknown[]) : [];
  const withStrength = details
    .filter((d): d is { name: string; strength?: unknown } => typeof d === 'object' && d !== null && typeof (d as { name?: unknown }).name === 'string')
    .map((d) => (typeof d.strength === 'string' && d.strength ? { name: d.name, strength: d.strength } : { name: d.name }));
  if (withStrength.length > 0) return withStrength;
  return (entities.medications ?? []).filter((m): m is string => typeof m === 'string').map((name) => ({ name }));
}

function entityValue(entity: PlaybookEntity, entities: TriageEntities): string | null {
  switch (entity) {
    case 'medications': {
      const meds = medicationsOf(entities);
      return meds.length ? meds.map((m) => (m.strength ? `${m.name} ${m.strength}` : m.name)).join(', ') : null;
    }
    case 'dates':
      return entities.dates?.length ? entities.dates.join(', ') : null;
    default: {
      const v = entities[entity];
      return typeof v === 'string' && v.trim() ? v : null;
    }
  }
}

/** A queue's checklist with each item that names a triage entity prefilled from `triage`. */
export function prefillPlaybook(
  queue: { id: string; key: string; name: string; playbook: { items: { key: string; label: string; entity?: string }[] } | null } | null,
  triage: TriageResult | null,
): z.infer<typeof ConversationPlaybookSchema> {
  if (!queue?.playbook || queue.playbook.items.length === 0) return null;
  const entities = triage?.entities ?? {};
  return {
    queue: { id: queue.id, key: queue.key, name: queue.name },
    items: queue.playbook.items.map((item) => {
      const entity = (playbookEntities as readonly string[]).includes(item.entity ?? '') ? (item.entity as PlaybookEntity) : null;
      return { key: item.key, label: item.label, entity, value: entity ? entityValue(entity, entities) : null };
    }),
  };
}
