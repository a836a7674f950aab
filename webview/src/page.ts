// The explorer's HTML page. A plain function of its inputs, so the extension and the Chromium test serve the very
// same page: the extension passes webview.cspSource and webview URIs, the test its loopback origin and URLs.

export interface ExplorerPageAssets {
  /** `webview.cspSource`: the only origin styles, fonts and images may come from. */
  cspSource: string;
  scriptUri: string;
  styleUri: string;
  codiconUri: string;
}

export function explorerHtml(assets: ExplorerPageAssets, nonce: string = createNonce()): string {
  const csp = [
    "default-src 'none'",
    `img-src ${assets.cspSource}`,
    `style-src ${assets.cspSource}`,
    `font-src ${assets.cspSource}`,
    `script-src 'nonce-${nonce}'`,
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${attribute(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${attribute(assets.codiconUri)}">
<link rel="stylesheet" href="${attribute(assets.styleUri)}">
<title>Docker Hub</title>
</head>
<body>
<div id="app" class="app"></div>
<div id="announcer" class="visually-hidden" role="status" aria-live="polite"></div>
<script nonce="${nonce}" src="${attribute(assets.scriptUri)}"></script>
</body>
</html>`;
}

/** 128 random bits, base64: a fresh nonce for every load of the page. */
export function createNonce(): string {
  const bytes = new Uint8Array(16);
  globalThis.crypto.getRandomValues(bytes);
  return btoa(String.fromCharCode(...bytes));
}

function attribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
