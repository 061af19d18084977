/** What a vendor sets about the portal (PORTAL_TITLE, PORTAL_LOGO_URL). */
export interface PortalBranding {
  readonly title: string;
  readonly logoUrl: string | undefined;
}

const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Text for an HTML text node or a quoted attribute value. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => ESCAPES[character] ?? character);
}

/**
 * The portal's one HTML page: the vendor's title and logo, and an empty `<main>` the script fills. No inline
 * script or style (the Content-Security-Policy forbids them); the title reaches the script as a data attribute.
 */
export function portalPage({ title, logoUrl }: PortalBranding): string {
  const vendor = escapeHtml(title);
  const logo = logoUrl ? `<img class="logo" src="${escapeHtml(logoUrl)}" alt="" width="32" height="32">` : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${vendor} · Directory sync setup</title>
<link rel="stylesheet" href="/portal/portal.css">
<script type="module" src="/portal/js/app.js"></script>
</head>
<body data-vendor="${vendor}">
<a class="skip" href="#app">Skip to content</a>
<header class="banner">
  <div class="brand">${logo}<span class="vendor">${vendor}</span></div>
  <div class="who" id="who"></div>
</header>
<main id="app" tabindex="-1">
  <p>Loading…</p>
  <noscript><p>This page needs JavaScript.</p></noscript>
</main>
</body>
</html>
`;
}
