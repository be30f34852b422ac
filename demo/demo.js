// Starts a disclosure of irma-demo.MijnOverheid.ageLower.over18 at the irma server that
// serves this page, shows its QR code and, when the session is done, the disclosed value.
// The page talks to the requestor API directly, which only suits a demo on a server
// without requestor authentication: a real site starts sessions from its own backend.
'use strict';

const ATTRIBUTE = 'irma-demo.MijnOverheid.ageLower.over18';
const params = new URLSearchParams(window.location.search);
// The requestor API: `?server=` or the origin of this page.
const server = (params.get('server') || window.location.origin).replace(/\/+$/, '');
const result = document.getElementById('result');

function show(text, isError) {
  result.textContent = text;
  result.className = isError ? 'error' : '';
}

function disclosed(sessionResult) {
  for (const conjunction of sessionResult.disclosed || []) {
    for (const attribute of conjunction) {
      if (attribute.id === ATTRIBUTE) return attribute;
    }
  }
  return null;
}

const web = yivi.newWeb({
  debugging: params.has('debug'),
  element: '#yivi-web-form',
  language: 'en',
  session: {
    url: server,
    start: {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        '@context': 'https://irma.app/ld/request/disclosure/v2',
        disclose: [[[ATTRIBUTE]]],
      }),
    },
  },
});

web
  .start()
  .then((sessionResult) => {
    const attribute = disclosed(sessionResult);
    if (sessionResult.proofStatus !== 'VALID' || !attribute) {
      show(`Not disclosed (proof status ${sessionResult.proofStatus}).`, true);
      return;
    }
    result.dataset.value = attribute.rawvalue;
    show(`Disclosed ${attribute.id}: ${attribute.rawvalue} (${attribute.status})`);
  })
  .catch((error) => show(`Session ended: ${error}`, true));
