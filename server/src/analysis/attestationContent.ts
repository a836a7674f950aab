import { z } from 'zod';

/**
 * What an SBOM or provenance statement says, read from its predicate. Predicates are the image publisher's data:
 * each shape is parsed with zod, unknown fields are ignored, and a value of the wrong type is left out rather than
 * trusted.
 */

export interface SbomPackage {
  name: string;
  version: string | null;
  /** The package ecosystem from its purl (`apk`, `deb`, `npm`, `pypi`…), else the SBOM's own component type. */
  type: string | null;
  license: string | null;
}

export interface ProvenanceMaterial {
  uri: string;
  /** `sha256:…` when the statement records one. */
  digest: string | null;
}

const purlReference = z.object({ referenceType: z.string(), referenceLocator: z.string() });
const spdxPackage = z.object({
  name: z.string(),
  versionInfo: z.string().optional().catch(undefined),
  licenseConcluded: z.string().optional().catch(undefined),
  licenseDeclared: z.string().optional().catch(undefined),
  externalRefs: z.array(purlReference).optional().catch(undefined),
});
const cycloneDxLicense = z.object({
  license: z.object({ id: z.string().optional(), name: z.string().optional() }).optional(),
  expression: z.string().optional(),
});
const cycloneDxComponent = z.object({
  name: z.string(),
  version: z.string().optional().catch(undefined),
  type: z.string().optional().catch(undefined),
  purl: z.string().optional().catch(undefined),
  licenses: z.array(cycloneDxLicense).optional().catch(undefined),
});
const spdxDocument = z.object({ packages: z.array(z.unknown()) });
const cycloneDxDocument = z.object({ components: z.array(z.unknown()) });

const digestSet = z.record(z.string(), z.string());
const material = z.object({ uri: z.string(), digest: digestSet.optional().catch(undefined) });
const slsaV02 = z.object({
  materials: z.array(z.unknown()).optional().catch(undefined),
  invocation: z.object({ parameters: z.record(z.string(), z.unknown()).optional().catch(undefined) }).optional().catch(undefined),
});
const slsaV1 = z.object({
  buildDefinition: z.object({
    externalParameters: z.record(z.string(), z.unknown()).optional().catch(undefined),
    resolvedDependencies: z.array(z.unknown()).optional().catch(undefined),
  }),
});

/** Values SPDX uses for "no information". */
const SPDX_NONE = new Set(['NOASSERTION', 'NONE', '']);

function purlType(purl: string | undefined): string | null {
  const match = /^pkg:([a-z0-9.+-]+)\//i.exec(purl ?? '');
  return match ? match[1].toLowerCase() : null;
}

/** Packages of an SPDX document (`packages`) or CycloneDX BOM (`components`); undefined for neither. */
export function sbomPackages(predicate: unknown): SbomPackage[] | undefined {
  const spdx = spdxDocument.safeParse(predicate);
  if (spdx.success) {
    return spdx.data.packages.flatMap((raw) => {
      const item = spdxPackage.safeParse(raw);
      if (!item.success) return [];
      const license = [item.data.licenseConcluded, item.data.licenseDeclared].find((value) => value && !SPDX_NONE.has(value));
      const purl = item.data.externalRefs?.find((ref) => ref.referenceType === 'purl')?.referenceLocator;
      return [{ name: item.data.name, version: item.data.versionInfo ?? null, type: purlType(purl), license: license ?? null }];
    });
  }
  const cycloneDx = cycloneDxDocument.safeParse(predicate);
  if (cycloneDx.success) {
    return cycloneDx.data.components.flatMap((raw) => {
      const item = cycloneDxComponent.safeParse(raw);
      if (!item.success) return [];
      const license = item.data.licenses
        ?.map((entry) => entry.expression ?? entry.license?.id ?? entry.license?.name)
        .find((value): value is string => Boolean(value));
      return [{ name: item.data.name, version: item.data.version ?? null, type: purlType(item.data.purl) ?? item.data.type ?? null, license: license ?? null }];
    });
  }
  return undefined;
}

function materialsOf(list: unknown[] | undefined): ProvenanceMaterial[] {
  return (list ?? []).flatMap((raw) => {
    const item = material.safeParse(raw);
    if (!item.success) return [];
    const sha256 = item.data.digest?.sha256;
    return [{ uri: item.data.uri, digest: sha256 && /^[a-f0-9]{64}$/.test(sha256) ? `sha256:${sha256}` : null }];
  });
}

/** Build inputs of SLSA provenance: v0.2 `materials`, v1 `buildDefinition.resolvedDependencies`. */
export function provenanceMaterials(predicate: unknown): ProvenanceMaterial[] {
  const v1 = slsaV1.safeParse(predicate);
  if (v1.success) return materialsOf(v1.data.buildDefinition.resolvedDependencies);
  const v02 = slsaV02.safeParse(predicate);
  return v02.success ? materialsOf(v02.data.materials) : [];
}

/**
 * Build parameters of SLSA provenance (v0.2 `invocation.parameters`, v1 `buildDefinition.externalParameters`),
 * flattened to `key` → text: BuildKit's `args` become `args.build-arg:NAME`.
 */
export function buildParameters(predicate: unknown): Record<string, string> {
  const v1 = slsaV1.safeParse(predicate);
  const parameters = v1.success ? v1.data.buildDefinition.externalParameters : slsaV02.safeParse(predicate).data?.invocation?.parameters;
  const flat: Record<string, string> = {};
  const visit = (prefix: string, value: unknown, depth: number) => {
    if (value === null || value === undefined) return;
    if (typeof value === 'object' && !Array.isArray(value) && depth < 3) {
      for (const [key, inner] of Object.entries(value)) visit(prefix ? `${prefix}.${key}` : key, inner, depth + 1);
      return;
    }
    flat[prefix] = typeof value === 'string' ? value : JSON.stringify(value);
  };
  visit('', parameters, 0);
  return flat;
}

/** Images BuildKit records as materials that are its Dockerfile frontend (`# syntax=`), never a base. */
const FRONTEND_IMAGES = new Set(['docker/dockerfile', 'docker/dockerfile-upstream', 'docker.io/docker/dockerfile']);

/**
 * The image reference a `pkg:docker/<name>@<version>` material names (`base:1`, `library/alpine@sha256:…`),
 * frontends left out; undefined for any other material.
 */
export function dockerMaterialReference(uri: string): string | undefined {
  const match = /^pkg:docker\/([^@?#]+)@([^?#]+)/.exec(uri);
  if (!match) return undefined;
  let name: string;
  let version: string;
  try {
    name = decodeURIComponent(match[1]);
    version = decodeURIComponent(match[2]);
  } catch {
    return undefined;
  }
  if (FRONTEND_IMAGES.has(name)) return undefined;
  return version.startsWith('sha256:') ? `${name}@${version}` : `${name}:${version}`;
}
