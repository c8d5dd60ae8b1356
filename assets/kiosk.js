/* The public kiosk (/kiosk): the step counter behind its rotation, its clock, and its points.
 * The map is styled by assets/map.js, as on the main page. */

// The main map's points and roads, drawn larger and bolder: they are read from three metres.
window.canthoKiosk = {
  pointToLayer: function (feature, latlng, context) {
    var marker = window.canthoMap.pointToLayer(feature, latlng, context);
    marker.setRadius(marker.getRadius() * 1.6);
    marker.setStyle({weight: 3});
    return marker;
  },
  trafficStyle: function (feature, context) {
    var style = window.canthoMap.trafficStyle(feature, context);
    style.weight = style.weight * 1.8;
    return style;
  },
  // Dash's renderer keeps every change of a callback input that no callback made (here each
  // tick of the interval) in an undo history that only grows: one entry a step, every step,
  // for as long as the screen runs. Nobody undoes anything on a kiosk, so keep the last few.
  // Does nothing if a later renderer keeps its state elsewhere.
  forgetUndoHistory: function () {
    var state = window.store && window.store.getState && window.store.getState();
    var past = state && state.history && state.history.past;
    if (Array.isArray(past) && past.length > 10) {
      past.splice(0, past.length - 10);
    }
  }
};

window.dash_clientside = Object.assign({}, window.dash_clientside, {
  canthoKiosk: {
    // Called at load and on each tick of the rotation interval. The step is the clock's:
    // floor(epoch seconds / rotate), the same number on every screen, so no state is kept. The
    // interval is aimed just past the next step boundary each time, so a timer's drift or
    // jitter never shows one step twice or skips one. Returns the step (when it changed), the
    // next wait, and the banner when no step has come back for two steps while the clock moved
    // on: the server or the network is down, where no callback can say so.
    tick: function (n, config, shown, lastGood) {
      var noUpdate = window.dash_clientside.no_update;
      var rotate = config && config.rotate > 0 ? config.rotate : 20;
      var period = rotate * 1000;
      var now = Date.now();
      var step = Math.floor(now / period);
      var wait = period - (now % period) + 300;
      var stale = lastGood && typeof lastGood.step === "number" && step - lastGood.step >= 2;
      window.canthoKiosk.forgetUndoHistory();
      return [
        step === shown ? noUpdate : step,
        wait,
        stale ? false : noUpdate,
        stale ? lastGood.banner : noUpdate
      ];
    }
  }
});

// The clock: written straight into the page every second, outside Dash, so it keeps going when
// the server does not answer and adds nothing to the renderer's state. Cần Thơ time whatever
// the screen's own time zone; the date in the language of the step on screen.
(function () {
  var zone = "Asia/Ho_Chi_Minh";
  var formats = {};
  function format(lang, options) {
    var key = lang + JSON.stringify(options);
    if (!formats[key]) {
      formats[key] = new Intl.DateTimeFormat(lang, Object.assign({timeZone: zone}, options));
    }
    return formats[key];
  }
  function show() {
    var time = document.querySelector(".kiosk-clock .kiosk-time");
    if (time) {
      var page = document.querySelector(".kiosk");
      var lang = page && page.lang === "en" ? "en-GB" : "vi-VN";
      var now = new Date();
      time.textContent = format("en-GB", {hour: "2-digit", minute: "2-digit", hourCycle: "h23"})
        .format(now);
      document.querySelector(".kiosk-clock .kiosk-date").textContent =
        format(lang, {weekday: "long", day: "2-digit", month: "2-digit", year: "numeric"})
          .format(now);
    }
    setTimeout(show, 1000 - (Date.now() % 1000) + 20);  // on the second
  }
  show();
})();
