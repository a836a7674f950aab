import { z } from 'zod';
import { digestsPhrase, imageIdentity } from '../analysis/imageIdentity';
import { DockerMcpError } from '../errors';
import { describePlatformChoice } from '../registry/platform';
import { DEFAULT_REGISTRY, parseReference } from '../registry/reference';
import { SEVERITIES, type ScoutFinding } from '../scout/client';
import { severityCountsSchema } from '../scout/query';
import { cursorArg, nextCursorOutput, nextPagePhrase, pageOf, startOf } from './cursor';
import { hubRepositoryArg, limitArg, platformArg, pinDigestOutput, readDigestOutput, resolvedAtField } from './schemas';
import { defineTool, READ_ONLY } from './tool';

const severity = z.enum(['critical', 'high', 'medium', 'low', 'unspecified']);

const vulnerability = z.object({
  id: z.string().describe('CVE id, or the advisory id where there is no CVE'),
  severity,
  cvss_score: z.number().nullable().describe('CVSS base score, when Scout has one'),
  package: z.string(),
  package_type: z.string().describe('Package ecosystem: deb, apk, rpm, npm, golang, maven, pypi…'),
  installed_version: z.string(),
  fixed_version: z.string().nullable().describe('First version with the fix; null when none is known'),
  url: z.string().describe('Scout page of the vulnerability'),
});

export const getVulnerabilities = defineTool({
  name: 'docker_get_vulnerabilities',
  title: 'Image vulnerabilities (Docker Scout)',
  description:
    'Docker Scout CVEs of a Docker Hub image, one platform: counts by severity, fixable, the most severe with package, versions, fix, CVSS.',
  input: {
    image: hubRepositoryArg(),
    platform: platformArg,
    limit: limitArg(100, 10).describe('CVEs listed'),
    cursor: cursorArg,
  },
  output: {
    image: z.string().describe('The reference as people write it'),
    digest: readDigestOutput.describe("Digest of the platform image manifest Scout reported on; for a multi-platform tag NOT the one to pin (see pin_digest)"),
    pin_digest: pinDigestOutput,
    platform: z.string(),
    resolved_at: resolvedAtField,
    platform_choice: z.enum(['requested', 'default', 'first', 'only']),
    available_platforms: z.array(z.string()),
    sbom_state: z.string().describe('Scout\'s indexing state of the image (INDEXED)'),
    counts: severityCountsSchema.describe('Vulnerabilities by severity, as Docker Scout counts them'),
    fixable: z.number().describe('Vulnerabilities, over all packages, that have a fixed version'),
    package_count: z.number().describe('Packages Scout found in the image'),
    vulnerable_package_count: z.number(),
    top_vulnerabilities: z.array(vulnerability).describe('Most severe first (severity, then CVSS score); this page'),
    more: z.number().describe('Vulnerabilities after this page'),
    page: z.number(),
    next_cursor: nextCursorOutput,
  },
  annotations: READ_ONLY,
  async handler(args, services, signal) {
    const reference = parseReference(args.image);
    const { offset } = startOf('docker_get_vulnerabilities', args);
    if (reference.registry !== DEFAULT_REGISTRY) {
      throw new DockerMcpError(
        'UNSUPPORTED',
        `docker_get_vulnerabilities reads Docker Scout's data for Docker Hub images, and "${args.image}" is on ` +
          `${reference.registry}. Use docker_get_attestations to see whether that image carries an SBOM.`,
      );
    }
    services.scout.requireLogin();
    const manifest = await services.registry.getPlatformManifest(reference, args.platform, signal);
    // Scout needs only the platform's digest; a single image's config (its platform's name) is read beside it.
    const [report, image] = await Promise.all([
      services.scout.vulnerabilities(manifest.digest, { image: reference.familiar, signal }),
      manifest.indexDigest ? manifest : services.registry.getImage(reference, args.platform, signal),
    ]);
    const page = pageOf('docker_get_vulnerabilities', args, report.findings, offset);
    return {
      ...imageIdentity(image),
      platform_choice: image.platformChoice,
      available_platforms: image.availablePlatforms,
      sbom_state: report.sbomState,
      counts: report.counts,
      fixable: report.findings.filter((finding) => finding.fixedVersion !== undefined).length,
      package_count: report.packageCount,
      vulnerable_package_count: report.vulnerablePackageCount,
      top_vulnerabilities: page.entries.map(toOutput),
      more: Math.max(0, report.findings.length - offset - args.limit),
      page: page.page,
      next_cursor: page.next_cursor,
    };
  },
  summarize(result) {
    const where = describePlatformChoice(result.platform, result.platform_choice, result.available_platforms);
    const bySeverity = SEVERITIES.map((name) => `${result.counts[name]} ${name}`).join(', ');
    const lines = [
      `${result.image} ${where}; ${digestsPhrase(result)}: ${bySeverity} (${result.counts.total} total; ` +
        `${result.fixable} with a fix, in ${result.vulnerable_package_count} of ${result.package_count} packages).`,
    ];
    if (result.top_vulnerabilities.length === 0) {
      lines.push(result.page > 1 ? `Page ${result.page} lists none: there are no more.` : 'Docker Scout lists no vulnerable package.');
      return lines.join('\n');
    }
    lines.push(result.page > 1 ? `Most severe, page ${result.page}:` : 'Most severe:');
    for (const v of result.top_vulnerabilities) {
      const score = v.cvss_score === null ? '' : ` ${v.cvss_score}`;
      const fix = v.fixed_version === null ? 'no fix yet' : `fixed in ${v.fixed_version}`;
      lines.push(`- ${v.id} ${v.severity}${score}: ${v.package} ${v.installed_version}, ${fix}`);
    }
    if (result.more > 0) lines.push(`…and ${result.more} more${nextPagePhrase(result.next_cursor)}.`);
    return lines.join('\n');
  },
  example: { image: 'demo:1.0', platform: 'linux/arm64', limit: 5 },
});

function toOutput(finding: ScoutFinding): z.input<typeof vulnerability> {
  return {
    id: finding.id,
    severity: finding.severity,
    cvss_score: finding.cvssScore ?? null,
    package: finding.package,
    package_type: finding.packageType,
    installed_version: finding.installedVersion,
    fixed_version: finding.fixedVersion ?? null,
    url: finding.url,
  };
}
