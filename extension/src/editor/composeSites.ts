// Image references in a Compose file: `services.<name>.image`, with the service's `platform`. Read with the `yaml`
// package; Compose's `${VAR:-default}` interpolation resolves from defaults only (the environment is not the file's).
import { isMap, isScalar, Lexer, parseDocument, type Scalar } from 'yaml';
import { commentDisablesChecks, type ImageFileScan, type ImageSite } from './imageSites';
import { expandVariables } from './variables';

const UNKNOWN_ENVIRONMENT = () => undefined;

export function scanCompose(text: string): ImageFileScan {
  const checksDisabled = [...new Lexer().lex(text)].some((token) => token.startsWith('#') && commentDisablesChecks(token));
  const document = parseDocument(text, { uniqueKeys: false });
  const services = document.get('services', true);
  const sites: ImageSite[] = [];
  if (!isMap(services)) return { sites, checksDisabled };
  for (const service of services.items) {
    if (!isMap(service.value)) continue;
    const image = service.value.get('image', true);
    if (!isScalar(image) || typeof image.value !== 'string' || !image.range) continue;
    const written = image.value;
    const reference = expandVariables(written, UNKNOWN_ENVIRONMENT, '$$');
    if (!reference) continue;
    const bounds = contentBounds(image, text);
    if (!bounds) continue;
    const site: ImageSite = { reference, ...bounds, editable: reference === written };
    const platform = service.value.get('platform');
    if (typeof platform === 'string') {
      const expanded = expandVariables(platform, UNKNOWN_ENVIRONMENT, '$$');
      if (expanded) site.platform = expanded;
    }
    sites.push(site);
  }
  return { sites, checksDisabled };
}

/** Where the scalar's characters are, inside quotes if any; undefined when escapes make the source differ from the value. */
function contentBounds(node: Scalar, text: string): { start: number; end: number } | undefined {
  const [start, end] = node.range!;
  const quoted = node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE';
  const bounds = quoted ? { start: start + 1, end: end - 1 } : { start, end };
  return text.slice(bounds.start, bounds.end) === node.value ? bounds : undefined;
}
