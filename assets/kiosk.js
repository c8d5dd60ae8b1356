/* The public kiosk (/kiosk): the step counter behind its rotation, the swap of its two frames,
 * its clock, and its points. The map is styled by assets/map.js, as on the main page. */

// Each kiosk map keeps its Leaflet map on its element, for the frame swap below to fit and
// check it (dash-leaflet does not expose it). Leaflet is loaded before the assets.
if (window.L && window.L.Map) {
  window.L.Map.addInitHook(function () {
    var container = this.getContainer();
    if (container.classList.contains("kiosk-map")) { container.canthoKioskMap = this; }
  });
}

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
  // A unit: labelled as on the main map, and marked, for the swap to find the units drawn.
  eachUnit: function (feature, layer, context) {
    layer.kioskUnit = true;
    layer.options.className = "kiosk-unit-shape";
    window.canthoMap.labelUnit(feature, layer, context);
  },
  // Room around the unit when its map is fitted, in pixels: its outline and labels stay clear
  // of the frame's edges (and of the attribution in the corner).
  margin: 48,
  // The step each frame was last given, by frame: {step, count}.
  wanted: {},
  // How long a fitted map waits for its background tiles, at most, in milliseconds: a tile
  // server out of reach must not stop the rotation (the shapes never wait on it).
  tileWait: 1500,
  // Whether a frame's map has drawn the units of its step (every one, each in the page) and,
  // once it has, fits the map to them: the size first (the header's height settles after the
  // map is made), then the units with the margin, at once (no animation). True once fitted and
  // its tiles, if any, are in (or have had tileWait).
  drawnAndFitted: function (frame) {
    var wanted = window.canthoKiosk.wanted[frame];
    var element = document.getElementById("kiosk-map-" + frame);
    var map = element && element.canthoKioskMap;
    if (!wanted || !map) { return false; }
    var units = [];
    map.eachLayer(function (layer) { if (layer.kioskUnit) { units.push(layer); } });
    var drawn = units.length === wanted.count && units.every(function (layer) {
      return layer.feature.properties.kiosk_step === wanted.step && layer._path &&
        layer._path.isConnected;
    });
    if (!drawn) { return false; }
    if (map.canthoFittedStep !== wanted.step) {
      var bounds = window.L.latLngBounds([]);
      units.forEach(function (layer) { bounds.extend(layer.getBounds()); });
      var margin = window.canthoKiosk.margin;
      map.invalidateSize({animate: false, pan: false});
      map.fitBounds(bounds, {padding: [margin, margin], animate: false});
      map.canthoFittedStep = wanted.step;
      map.canthoFittedAt = Date.now();
      // Names that would overlap are left out before the frame is shown, not just after.
      window.canthoMap.declutter(map);
    }
    var loading = false;
    map.eachLayer(function (layer) {
      if (layer instanceof window.L.GridLayer && layer.isLoading()) { loading = true; }
    });
    return !loading || Date.now() - map.canthoFittedAt > window.canthoKiosk.tileWait;
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
    // jitter never shows one step twice or skips one. Returns the step (when it changed) with
    // the frame to draw it into, the one not on screen; the next wait; and the banner when no
    // step has come back for two steps while the clock moved on: the server or the network is
    // down, where no callback can say so.
    tick: function (n, config, asked, lastGood, shown) {
      var noUpdate = window.dash_clientside.no_update;
      var rotate = config && config.rotate > 0 ? config.rotate : 20;
      var period = rotate * 1000;
      var now = Date.now();
      var step = Math.floor(now / period);
      var wait = period - (now % period) + 300;
      var stale = lastGood && typeof lastGood.step === "number" && step - lastGood.step >= 2;
      var frame = shown && shown.frame === "a" ? "b" : "a";
      window.canthoKiosk.forgetUndoHistory();
      return [
        asked && asked.step === step ? noUpdate : {step: step, frame: frame},
        wait,
        stale ? false : noUpdate,
        stale ? lastGood.banner : noUpdate
      ];
    },
    // A frame got a step's units: show it, in place of the other, once its map has drawn them
    // and is fitted to them; until then the screen keeps the step it shows, whole. Returns the
    // page's class (which frame is on screen, kiosk.css) and {frame, step} of the frame shown.
    present: function (unitsA, unitsB, shown) {
      var noUpdate = window.dash_clientside.no_update;
      var triggered = (window.dash_clientside.callback_context.triggered || [])[0];
      var frame = triggered && /-b\.data$/.test(triggered.prop_id) ? "b" : "a";
      var units = frame === "a" ? unitsA : unitsB;
      var step = units && units.kiosk_step;
      if (typeof step !== "number" || !units.features || !units.features.length ||
          (shown && shown.step === step)) {
        return [noUpdate, noUpdate];  // nothing to show, or already shown
      }
      var kiosk = window.canthoKiosk;
      kiosk.wanted[frame] = {step: step, count: units.features.length};
      return new Promise(function (resolve) {
        function check() {
          var wanted = kiosk.wanted[frame];
          if (!wanted || wanted.step !== step) {
            resolve([noUpdate, noUpdate]);  // a later step for this frame took over
          } else if (kiosk.drawnAndFitted(frame)) {
            resolve(["kiosk shown-" + frame, {frame: frame, step: step}]);
          } else {
            window.requestAnimationFrame(check);
          }
        }
        check();
      });
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
      var mode = page && page.getAttribute("data-lang");
      var langs = mode === "both" ? ["vi-VN", "en-GB"] : [mode === "en" ? "en-GB" : "vi-VN"];
      var now = new Date();
      time.textContent = format("en-GB", {hour: "2-digit", minute: "2-digit", hourCycle: "h23"})
        .format(now);
      // With both languages, one line each.
      document.querySelector(".kiosk-clock .kiosk-date").textContent = langs.map(function (lang) {
        return format(lang, {weekday: "long", day: "2-digit", month: "2-digit", year: "numeric"})
          .format(now);
      }).join("\n");
    }
    setTimeout(show, 1000 - (Date.now() % 1000) + 20);  // on the second
  }
  show();
})();
