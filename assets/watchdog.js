/* Recovery for pages left running unattended (the lobby kiosk, the operations room's wall, a desk
 * left open overnight): when a script, the layout or a callback fails to load, say so and try
 * again with back-off, instead of leaving "Loading..." on the screen for ever.
 *
 * - Boot: the page has not started when a script or style answered an error (Chromium reports
 *   each resource's status), when Dash shows "Error loading layout/dependencies", or when it is
 *   still loading after BOOT_TIMEOUT_MS. Then: a banner, and a reload once the server answers
 *   again (asked with back-off, so a server that is down is not hammered and the page, with this
 *   script, stays on screen instead of the browser's error page).
 * - Callbacks (main page only): a callback that failed (5xx or no answer) raises the banner;
 *   its next success lowers it. Not answered again within CALLBACK_GRACE_MS, the page reloads
 *   the same way (the URL keeps the selection, moment and view). The kiosk handles failed steps
 *   itself (assets/kiosk.js keeps the last data under its own banner), so it is left alone.
 *
 * The banner's words come from the server's catalog, on <html data-offline>. */
(function () {
  "use strict";
  var ATTEMPT_KEY = "cantho.recovery.attempt";
  var BOOT_TIMEOUT_MS = 20000;
  var CALLBACK_GRACE_MS = 30000;
  var root = document.documentElement;
  var kiosk = window.location.pathname.replace(/\/+$/, "") === "/kiosk";

  function attempt() {
    try { return parseInt(window.sessionStorage.getItem(ATTEMPT_KEY) || "0", 10) || 0; }
    catch (e) { return 0; }
  }
  function setAttempt(n) {
    try { window.sessionStorage.setItem(ATTEMPT_KEY, String(n)); } catch (e) { /* private mode */ }
  }
  // 2 s, 4 s, 8 s … up to a minute, with jitter so that many screens do not come back at once.
  function backoff(n) {
    return Math.min(60000, 2000 * Math.pow(2, n)) * (0.75 + Math.random() * 0.5);
  }

  var banner = null;
  function showBanner() {
    if (banner || !document.body) { return; }
    banner = document.createElement("div");
    banner.className = "recovery-banner" + (kiosk ? " on-kiosk" : "");
    banner.setAttribute("role", "alert");
    banner.textContent = root.getAttribute("data-offline") || "…";
    document.body.appendChild(banner);
  }
  function hideBanner() {
    if (banner) { banner.parentNode.removeChild(banner); banner = null; }
  }

  // Reload when the page itself answers again; until then ask again, waiting longer each time.
  var recovering = false;
  function recover() {
    if (recovering) { return; }
    recovering = true;
    showBanner();
    var n = attempt();
    function probe() {
      window.fetch(window.location.href, {cache: "no-store", credentials: "same-origin"})
        .then(function (response) {
          if (response.ok) { window.location.reload(); return; }
          n += 1; setAttempt(n); window.setTimeout(probe, backoff(n));
        }, function () {
          n += 1; setAttempt(n); window.setTimeout(probe, backoff(n));
        });
    }
    setAttempt(n + 1);
    window.setTimeout(probe, backoff(n));
  }
  window.canthoRecovery = {recover: recover, showBanner: showBanner, hideBanner: hideBanner};

  // --- boot ------------------------------------------------------------------------------------
  function failedResource() {
    if (!window.performance || !window.performance.getEntriesByType) { return false; }
    return window.performance.getEntriesByType("resource").some(function (entry) {
      return (entry.initiatorType === "script" || entry.initiatorType === "link") &&
        typeof entry.responseStatus === "number" && entry.responseStatus >= 400;
    });
  }
  var started = Date.now();
  function watchBoot() {
    var entry = document.getElementById("react-entry-point");
    if (!entry) { return; }  // not a Dash page
    var loading = entry.querySelector("._dash-loading");
    if (entry.querySelector("._dash-error") || (loading && failedResource()) ||
        (loading && Date.now() - started > BOOT_TIMEOUT_MS)) {
      recover();
      return;
    }
    if (!loading) {
      setAttempt(0);  // started: the next failure begins its back-off afresh
      return;
    }
    window.setTimeout(watchBoot, 250);
  }
  window.setTimeout(watchBoot, 250);

  // --- callbacks ---------------------------------------------------------------------------------
  if (kiosk || !window.fetch) { return; }
  var failing = {};  // the outputs of a failed callback -> when it first failed
  function outputsOf(init) {
    try { return JSON.parse(init.body).output || "?"; } catch (e) { return "?"; }
  }
  function failed(outputs) {
    if (!(outputs in failing)) { failing[outputs] = Date.now(); }
    showBanner();
    window.setTimeout(function () {
      if (outputs in failing) { recover(); }
    }, CALLBACK_GRACE_MS);
  }
  function answered(outputs) {
    delete failing[outputs];
    if (Object.keys(failing).length === 0 && !recovering) { hideBanner(); }
  }
  var fetchFirst = window.fetch;
  window.fetch = function (input, init) {
    var promise = fetchFirst.apply(this, arguments);
    var url = typeof input === "string" ? input : (input && input.url) || "";
    if (url.indexOf("_dash-update-component") < 0) { return promise; }
    var outputs = outputsOf(init || {});
    return promise.then(function (response) {
      if (response.status >= 500) { failed(outputs); } else { answered(outputs); }
      return response;
    }, function (error) {
      failed(outputs);
      throw error;
    });
  };
})();
