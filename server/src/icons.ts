// Icons as data URIs: a client shows them without fetching anything from anywhere.

function svgIcon(svg: string): { src: string; mimeType: string; sizes: string[] } {
  return { src: `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`, mimeType: 'image/svg+xml', sizes: ['any'] };
}

/** The server: containers stacked on a hull. */
export const SERVER_ICON = svgIcon(
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><g fill="#1d63ed"><path d="M1 8h14v1a5 5 0 0 1-5 5H6a5 5 0 0 1-5-5z"/>' +
    '<path d="M3 4h3v3H3zm4 0h3v3H7zm0-3h3v2H7z"/></g></svg>',
);

/**
 * Tools that change or delete something on Docker Hub carry a warning sign, so a person approving a call sees it at
 * a glance. Read tools carry none: every icon is sent with every tool listing.
 */
export const WRITE_TOOL_ICON = svgIcon(
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><path fill="#d97706" d="M8 1l7 14H1z"/><path fill="#fff" d="M7 6h2v4H7zm0 5h2v2H7z"/></svg>',
);
