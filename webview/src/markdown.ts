// README markdown to sanitised DOM. A README is written by whoever owns the repository: it may carry scripts, event
// handlers, remote images, iframes and javascript: links. Only a fixed set of inert elements and attributes is kept;
// images become links (a remote image would tell its host who is looking), and links open through VS Code.
import DOMPurify from 'dompurify';
import { Marked } from 'marked';

const ALLOWED_TAGS = [
  'a', 'b', 'blockquote', 'br', 'code', 'dd', 'del', 'details', 'div', 'dl', 'dt', 'em', 'h1', 'h2', 'h3', 'h4',
  'h5', 'h6', 'hr', 'i', 'kbd', 'li', 'ol', 'p', 'pre', 's', 'span', 'strong', 'sub', 'summary', 'sup', 'table',
  'tbody', 'td', 'th', 'thead', 'tr', 'ul',
];
const ALLOWED_ATTR = ['href', 'title', 'colspan', 'rowspan', 'align', 'start', 'open', 'lang', 'dir'];

const markdown = new Marked({
  gfm: true,
  async: false,
  renderer: {
    image({ href, text }) {
      return `<a href="${escapeHtml(href)}">image: ${escapeHtml(text || href)}</a>`;
    },
  },
});

let hooked = false;

function addLinkHook(): void {
  if (hooked) return;
  hooked = true;
  DOMPurify.addHook('afterSanitizeAttributes', (node) => {
    if (node.nodeName !== 'A') return;
    const href = node.getAttribute('href') ?? '';
    if (/^https?:\/\//i.test(href)) {
      node.setAttribute('title', href);
      node.setAttribute('data-external', 'true');
    } else {
      node.removeAttribute('href');
    }
  });
}

/** Markdown (with any raw HTML in it) → a fragment holding only inert, sanitised content. */
export function renderMarkdown(source: string): DocumentFragment {
  addLinkHook();
  const html = markdown.parse(source) as string;
  return DOMPurify.sanitize(html, {
    ALLOWED_TAGS,
    ALLOWED_ATTR,
    ALLOW_DATA_ATTR: false,
    ALLOWED_URI_REGEXP: /^https?:\/\//i,
    RETURN_DOM_FRAGMENT: true,
  });
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
