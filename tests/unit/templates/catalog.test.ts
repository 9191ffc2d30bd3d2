import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildCatalogSource, catalogPath, readTemplateFiles } from '../../../src/templates-tools/build-catalog.js';
import { languages, listTemplates, purposeSpecs, purposes, templateId } from '../../../templates/index.js';

describe('template catalog', () => {
  it('is fresh: templates/catalog.ts embeds exactly the .hbs files', () => {
    const expected = buildCatalogSource(readTemplateFiles());
    expect(readFileSync(catalogPath, 'utf8'), 'run: npx tsx src/templates-tools/build-catalog.ts').toBe(expected);
  });

  it('has one file per purpose, language and channel, in English and Spanish, and no strays', () => {
    const expected = purposes.flatMap((purpose) =>
      languages.flatMap((language) => purposeSpecs[purpose].channels.map((channel) => templateId({ purpose, language, channel }))),
    );
    expect(listTemplates().map(templateId).sort()).toEqual(expected.sort());
    expect([...readTemplateFiles().keys()].sort()).toEqual(expected.sort());
  });
});
