// Starts GraphiQL on paylink's page and keeps the API key its requests carry. This is a file of
// its own rather than an inline script so that the page's Content-Security-Policy can refuse
// every inline script.
(() => {
  'use strict';

  // Where the key is kept between visits. Only this page's origin can read it.
  const STORAGE_KEY = 'paylink.apiKey';
  // How much of a key the page shows: the same visible prefix `paylink key list` prints.
  const VISIBLE_CHARS = 12;

  const DEFAULT_QUERY = `# Your ten newest payment links. Press ▶ to run.
{
  paymentLinks(limit: 10) {
    total_row_count
    items {
      link_id
      link_name
      amount
      currency
      created_date
    }
  }
}
`;

  const container = document.getElementById('graphiql');
  const endpoint = container.dataset.endpoint;
  const form = document.getElementById('paylink-key-form');
  const input = document.getElementById('paylink-key-input');
  const forgetButton = document.getElementById('paylink-key-forget');
  const status = document.getElementById('paylink-key-status');
  const help = document.getElementById('paylink-key-help');

  // A browser may refuse local storage (a setting, a private window); the key is then kept for
  // as long as the page is open, and the page says so.
  let storageWorks = true;
  let keyInMemory = null;

  function savedKey() {
    if (storageWorks) {
      try {
        return window.localStorage.getItem(STORAGE_KEY);
      } catch {
        storageWorks = false;
      }
    }
    return keyInMemory;
  }

  function keepKey(key) {
    keyInMemory = key;
    try {
      if (key === null) {
        window.localStorage.removeItem(STORAGE_KEY);
      } else {
        window.localStorage.setItem(STORAGE_KEY, key);
      }
    } catch {
      storageWorks = false;
    }
  }

  function showKeyState(message) {
    const key = savedKey();
    form.dataset.state = key ? 'saved' : 'missing';
    help.hidden = Boolean(key);
    forgetButton.disabled = !key;
    if (message) {
      status.textContent = message;
    } else if (!key) {
      status.textContent = 'No key saved.';
    } else if (storageWorks) {
      status.textContent = `Using ${key.slice(0, VISIBLE_CHARS)}…, saved in this browser.`;
    } else {
      status.textContent = `Using ${key.slice(0, VISIBLE_CHARS)}… until this page closes: this browser does not let it be saved.`;
    }
  }

  // Sends one GraphQL request with the key saved at the moment it is sent. Headers typed into
  // GraphiQL's headers pane are applied last, so an Authorization header there wins.
  async function send(params, options) {
    const headers = {
      'Content-Type': 'application/json',
      Accept: 'application/graphql-response+json, application/json',
    };
    const key = savedKey();
    if (key) {
      headers.Authorization = `Bearer ${key}`;
    }
    Object.assign(headers, options && options.headers);
    const response = await fetch(endpoint, {
      method: 'POST',
      headers,
      body: JSON.stringify(params),
      credentials: 'omit',
    });
    const text = await response.text();
    // paylink answers refusals (401, 429, ...) with a GraphQL error body too: show it as is, so
    // that its message and extensions.code reach the result pane.
    try {
      return JSON.parse(text);
    } catch {
      throw new Error(`HTTP ${response.status}: ${text}`);
    }
  }

  if (!window.React || !window.ReactDOM || !window.GraphiQL) {
    container.textContent = "GraphiQL's files did not load; the browser's console says why.";
    return;
  }
  const root = window.ReactDOM.createRoot(container);

  // A new fetcher makes GraphiQL load the schema again, now with the current key, so saving a
  // key fills in the documentation and completion without reloading the page. Without a key
  // `schema: null` skips loading it: the answer would only be the refusal the form explains.
  function render() {
    const fetcher = (params, options) => send(params, options);
    const props = { fetcher, defaultQuery: DEFAULT_QUERY };
    if (!savedKey()) {
      props.schema = null;
    }
    root.render(window.React.createElement(window.GraphiQL, props));
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const key = input.value.trim();
    if (!key) {
      showKeyState('Paste an API key first.');
      input.focus();
      return;
    }
    keepKey(key);
    input.value = '';
    showKeyState();
    render();
  });

  forgetButton.addEventListener('click', () => {
    keepKey(null);
    input.value = '';
    showKeyState();
    render();
  });

  showKeyState();
  render();
})();
