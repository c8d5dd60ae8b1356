/* Client-side styling and labelling for the map (dash-leaflet functional properties), and the
 * small client-side callback that keeps the user's map view in the URL. Colours live here, data
 * comes from the server. */
window.canthoMap = {
  // Admin units: coloured by the chosen indicator (hideout from the server), the selected one
  // outlined in red; without an indicator, quiet so the labels read.
  unitStyle: function (feature, context) {
    var p = feature.properties || {};
    var h = (context && context.hideout) || {};
    var fill = "#d6eaf8", opacity = 0.35;
    if (h.indicator) {
      var value = (h.values || {})[String(feature.id)];
      fill = window.canthoMap.classColour(value, h.breaks, h.colours, h.no_data);
      opacity = 0.55;
    }
    if (p.selected) {
      return {color: "#b03a2e", weight: 3, fillColor: h.indicator ? fill : "#f1948a",
              fillOpacity: opacity};
    }
    return {color: "#1b4f72", weight: 1.5, fillColor: fill, fillOpacity: opacity};
  },
  // The colour of the class a value falls in: breaks ascending, one colour per break.
  classColour: function (value, breaks, colours, noData) {
    if (value === null || value === undefined) { return noData; }
    var colour = colours[0];
    for (var i = 0; i < breaks.length; i++) {
      if (value >= breaks[i]) { colour = colours[i]; }
    }
    return colour;
  },
  number: function (value, lang, digits) {
    if (value === null || value === undefined) { return null; }
    return new Intl.NumberFormat(lang, {maximumFractionDigits: digits || 0,
                                        minimumFractionDigits: digits || 0}).format(value);
  },
  // Days as the page's date pickers write them: 30/11/2026 in Vietnamese, 30 Nov 2026 in English.
  time: function (value, lang) {
    if (!value) { return null; }
    var english = String(lang).indexOf("en") === 0;
    return new Intl.DateTimeFormat(lang, {
      day: english ? "numeric" : "2-digit", month: english ? "short" : "2-digit",
      year: "numeric", hour: "2-digit", minute: "2-digit", hourCycle: "h23",
      timeZone: "Asia/Ho_Chi_Minh"
    }).format(new Date(value));
  },
  aqiColour: function (aqi, h) {
    if (aqi === null || aqi === undefined) { return h.no_data; }
    var classes = h.aqi_classes;
    for (var i = 0; i < classes.length; i++) {
      if (aqi <= classes[i][1]) { return classes[i][2]; }
    }
    return classes[classes.length - 1][2];
  },
  congestion: function (ratio, h) {
    if (ratio === null || ratio === undefined) { return null; }
    for (var i = 0; i < h.congestion.length; i++) {
      if (ratio >= h.congestion[i][0]) { return h.congestion[i]; }
    }
    return h.congestion[h.congestion.length - 1];
  },
  // Points of every layer: a coloured circle whose colour carries the reading.
  pointToLayer: function (feature, latlng, context) {
    var p = feature.properties || {};
    var h = (context && context.hideout) || {};
    var colour = h.no_data, radius = 7, weight = 1.5;
    if (p.alert_level !== undefined && p.alert_1_m !== undefined) {
      colour = p.alert_level === null ? h.no_data : h.alert_colours[p.alert_level];
      radius = 9 + 2 * (p.alert_level || 0);
      weight = 2;
    } else if (p.aqi !== undefined) {
      colour = window.canthoMap.aqiColour(p.aqi, h);
      radius = 10;
    } else if (p.kind === "report") {
      colour = "#1b4f72"; radius = 5;
    } else if (p.kind === "citizen_report") {
      colour = p.colour || h.no_data; radius = 7;
    } else if (p.kind === "incident") {
      colour = "#6c3483"; radius = 8;
    } else if (p.kind === "camera") {
      colour = "#34495e"; radius = 4;
    } else if (p.kind && h.facility_colours[p.kind]) {
      colour = h.facility_colours[p.kind]; radius = 6;
    }
    // The layer's pane (the points pane on the main map, so stations lie above the units);
    // Leaflet gives a marker made here its own options only, not the GeoJSON layer's.
    var options = {radius: radius, color: "#17202a", weight: weight, fillColor: colour,
                   fillOpacity: 0.9};
    // A gauge forecast to reach Báo động II or III within 48 hours stands out: a thick dashed
    // ring in that level's colour around its circle.
    if (p.alert_1_m !== undefined && p.forecast_level >= 2) {
      options.color = h.alert_colours[p.forecast_level];
      options.weight = 5;
      options.dashArray = "5 3";
      options.radius = radius + 3;
    }
    if (context && context.pane) { options.pane = context.pane; }
    return L.circleMarker(latlng, options);
  },
  // Clusters of points (reports, incidents, facilities) as plain dark bubbles with their count:
  // Leaflet's default green/yellow/orange would read as air-quality classes.
  clusterToLayer: function (feature, latlng) {
    var p = feature.properties || {};
    var count = p.point_count || 0;
    var size = count < 10 ? 30 : (count < 100 ? 36 : 42);
    var icon = L.divIcon({
      html: "<div><span>" + window.canthoMap.escape(p.point_count_abbreviated || count) +
            "</span></div>",
      className: "cluster-bubble", iconSize: L.point(size, size)
    });
    return L.marker(latlng, {icon: icon});
  },
  inundationStyle: function (feature) {
    var depth = (feature.properties || {}).depth_m || 0;
    return {color: "#1b4f72", weight: 1, fillColor: "#2e86c1",
            fillOpacity: Math.min(0.25 + depth, 0.8)};
  },
  trafficStyle: function (feature, context) {
    var p = feature.properties || {};
    var h = (context && context.hideout) || {};
    var cls = window.canthoMap.congestion(p.ratio, h);
    var arterial = p.road_class === "arterial";
    return {color: cls ? cls[1] : h.no_data, weight: arterial ? 5 : 2.5,
            opacity: cls ? 0.95 : 0.7, lineCap: "round"};
  },
  underservedStyle: function () {
    return {color: "#e74c3c", weight: 1, dashArray: "4 3", fillColor: "#e74c3c",
            fillOpacity: 0.25};
  },
  // Popups: labels and number/date formats from the server's catalog and the user's locale.
  bindPopup: function (feature, layer, context) {
    var p = feature.properties || {};
    var h = (context && context.hideout) || {};
    var l = h.labels || {}, lang = h.lang || "vi-VN", m = window.canthoMap;
    var rows = [];
    function row(label, value) {
      if (value !== null && value !== undefined && value !== "") {
        rows.push("<tr><th>" + m.escape(label) + "</th><td>" + m.escape(String(value)) +
                  "</td></tr>");
      }
    }
    var title = p.name || "";
    if (p.alert_1_m !== undefined) {
      row(l.water_level, p.max_level_m !== null && p.max_level_m !== undefined ?
          m.number(p.max_level_m, lang, 2) + " m" : l.no_data);
      row("", p.alert_level === null || p.alert_level === undefined ? l.no_data : l.alert_names[p.alert_level]);
      row(l.alerts, [p.alert_1_m, p.alert_2_m, p.alert_3_m].map(function (v) {
        return v === null ? "–" : m.number(v, lang, 2);
      }).join(" / ") + " m");
      if (p.forecast_level >= 2 && p.forecast_level_at) {
        row(l.forecast, l.forecast_reaches.replace("{level}", l.alert_names[p.forecast_level])
          .replace("{time}", m.time(p.forecast_level_at, lang)));
      } else if (p.forecast_issued_at) {
        row(l.forecast, l.forecast_below);
      }
    } else if (p.aqi !== undefined) {
      row(l.aqi, p.aqi === null ? l.no_data : m.number(p.aqi, lang));
      row(l.dominant, p.dominant ? p.dominant.toUpperCase() : null);
      var means = p.means || {};
      Object.keys(means).sort().forEach(function (k) {
        row(k.toUpperCase(), m.number(means[k], lang, 1) + " µg/m³");
      });
    } else if (p.road_class !== undefined) {
      var cls = m.congestion(p.ratio, h);
      title = p.name || "";
      row("", cls ? l.congestion[cls[2]] : l.no_data);
      row(l.speed, p.speed_kmh !== null && p.speed_kmh !== undefined ?
          m.number(p.speed_kmh, lang) + " km/h" : null);
      row(l.free_flow, m.number(p.free_flow_kmh, lang) + " km/h");
    } else if (p.kind === "inundation") {
      row(l.depth, m.number(p.depth_m, lang, 2) + " m");
      row(l.since, m.time(p.started_at, lang));
    } else if (p.kind === "report") {
      title = p.description || "";
      row(l.depth, p.depth_cm !== null ? m.number(p.depth_cm, lang) + " cm" : null);
      row(l.reported, m.time(p.reported_at, lang));
    } else if (p.kind === "citizen_report") {
      title = (lang === "vi-VN" ? p.category_vi : p.category_en) || p.category_code;
      row("", (l.report_status || {})[p.status] || p.status);
      row("", p.resolution ? (l.resolution || {})[p.resolution] || p.resolution : null);
      row(l.code, p.code);
      row(l.reported, m.time(p.reported_at, lang));
      row(l.description, p.description);
      row(l.supporters, p.supporters ? m.number(p.supporters, lang) : null);
    } else if (p.kind === "incident") {
      title = (l.incident || {})[p.incident] || p.incident;
      row(l.severity, p.severity);
      row(l.since, m.time(p.started_at, lang));
    } else if (p.kind === "camera") {
      title = p.name || l.camera;
    } else if (p.population !== undefined) {
      row(l.uncovered, m.number(p.population, lang));
    } else if (p.kind) {
      row("", (l.facility || {})[p.kind] || p.kind);
      row(l.capacity, p.capacity !== null ? m.number(p.capacity, lang) : null);
    }
    if (p.cluster) { return; }
    // A citizen's report links to its tracking page: status, history, replies, rating.
    var more = p.kind === "citizen_report" && p.code ?
      "<p><a href='/phan-anh/" + encodeURIComponent(p.code) + "'>" + m.escape(l.track || "") +
      "</a></p>" : "";
    layer.bindPopup("<div class='popup'><strong><bdi>" + m.escape(title) + "</bdi></strong><table>" +
                    rows.join("") + "</table>" + more + "</div>");
  },
  escape: function (text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c];
    });
  },
  hoverStyle: function () {
    return {weight: 4, color: "#d35400", fillColor: "#f8c471", fillOpacity: 0.55};
  },
  // The context under the units: the city outline and the rivers.
  contextStyle: function (feature) {
    var p = feature.properties || {};
    if (p.kind === "outline") {
      return {color: "#34495e", weight: 3, fill: false};
    }
    var line = feature.geometry && feature.geometry.type.indexOf("LineString") >= 0;
    return {color: "#2e86c1", weight: line ? 4 : 1, fillColor: "#85c1e9", fillOpacity: 0.9};
  },
  // Go to a new URL in the app the way dcc.Link does: a history entry, then tell dcc.Location.
  navigate: function (params) {
    window.history.pushState({}, "", window.location.pathname + "?" + params.toString());
    window.dispatchEvent(new CustomEvent("_dashprivate_pushstate"));
  },
  // A permanent label at a point inside each unit (computed in PostGIS), not at the bbox centre.
  // Leaflet writes a tooltip's text as HTML and names come from agencies' files: escaped, so a
  // name holding markup reads as the characters it has.
  labelUnit: function (feature, layer) {
    var p = feature.properties || {};
    if (p.label) {
      var at = L.latLng(p.label[1], p.label[0]);
      layer.getCenter = function () { return at; };
    }
    // <bdi>: a right-to-left override in a name must not turn the text around it.
    layer.bindTooltip("<bdi>" + window.canthoMap.escape(p.name || "") + "</bdi>", {
      permanent: true, direction: "center", className: "unit-label", interactive: false
    });
    layer._canthoSelected = !!p.selected;
    layer.on("add", function () {
      var map = layer._map;
      if (!map) { return; }
      if (!map._canthoLabels) {
        map._canthoLabels = true;
        map.on("zoomend resize", function () { window.canthoMap.declutterSoon(map); });
      }
      window.canthoMap.declutterSoon(map);
    });
    // A name left out for want of room shows while the pointer is over its unit.
    layer.on("mouseover", function () {
      var tip = layer.getTooltip();
      if (tip && tip._container) { tip._container.classList.remove("unit-label-crowded"); }
    });
    layer.on("mouseout", function () {
      var tip = layer.getTooltip();
      if (tip && tip._container && layer._canthoCrowded) {
        tip._container.classList.add("unit-label-crowded");
      }
    });
  },
  declutterSoon: function (map) {
    clearTimeout(map._canthoLabelTimer);
    map._canthoLabelTimer = setTimeout(function () { window.canthoMap.declutter(map); }, 50);
  },
  // After the 2025 reform the city shows a hundred small communes beside two large merged
  // areas, and their names would be written over each other. A name that would overlap one
  // already placed is left out: the selected unit's first, then the larger units' (on screen);
  // zooming in brings the others back. Boxes come from the labels' layout size (not their
  // on-screen rectangles, which a zoom animation scales) around the point each is centred on.
  declutter: function (map) {
    var items = [];
    map.eachLayer(function (layer) {
      var tip = layer.getTooltip && layer.getTooltip();
      if (!tip || !tip._container || !layer.getBounds || !tip.getLatLng() ||
          tip._container.className.indexOf("unit-label") < 0) { return; }
      var b = layer.getBounds(),
          ne = map.latLngToContainerPoint(b.getNorthEast()),
          sw = map.latLngToContainerPoint(b.getSouthWest());
      items.push({
        layer: layer, el: tip._container, at: map.latLngToContainerPoint(tip.getLatLng()),
        rank: (layer._canthoSelected ? 1e12 : 0) + Math.abs((ne.x - sw.x) * (sw.y - ne.y))
      });
    });
    items.sort(function (a, b) { return b.rank - a.rank; });
    var kept = [];
    items.forEach(function (item) {
      // Touching corners are not a clash: 2 px of slack on each side.
      var w = item.el.offsetWidth / 2 - 2, h = item.el.offsetHeight / 2 - 2;
      var box = [item.at.x - w, item.at.y - h, item.at.x + w, item.at.y + h];
      var clash = kept.some(function (k) {
        return box[0] < k[2] && k[0] < box[2] && box[1] < k[3] && k[1] < box[3];
      });
      item.layer._canthoCrowded = clash;
      item.el.classList.toggle("unit-label-crowded", clash);
      if (!clash) { kept.push(box); }
    });
  }
};

window.dash_clientside = Object.assign({}, window.dash_clientside, {
  cantho: {
    // Write the map's centre and zoom into the URL without a reload or a new history entry, so a
    // reload or a shared link opens the same view the user chose.
    rememberView: function (center, zoom) {
      if (!center || zoom === undefined || zoom === null) {
        return window.dash_clientside.no_update;
      }
      var lat = Array.isArray(center) ? center[0] : center.lat;
      var lng = Array.isArray(center) ? center[1] : center.lng;
      var params = new URLSearchParams(window.location.search);
      params.set("view", [lat.toFixed(5), lng.toFixed(5), Number(zoom).toFixed(2)].join(","));
      window.history.replaceState(window.history.state, "", "?" + params.toString());
      return window.dash_clientside.no_update;
    },
    // Keep the themes switched on in the URL (by key: the control names them in the page's
    // language), so a reload, a shared link or the language switch opens with the same layers.
    rememberLayers: function (overlays, search, keys) {
      if (!overlays || !keys) { return window.dash_clientside.no_update; }
      var on = overlays.map(function (name) { return keys[name]; }).filter(Boolean).join(",");
      var params = new URLSearchParams(window.location.search);
      if (params.get("layers") === on) { return window.dash_clientside.no_update; }
      params.set("layers", on);
      window.history.replaceState(window.history.state, "", "?" + params.toString());
      return window.dash_clientside.no_update;
    },
    // Keep the moment shown in the URL (history mode) so a shared link opens on it.
    rememberTime: function (time) {
      var params = new URLSearchParams(window.location.search);
      if (time && time.at && !time.play) { params.set("at", time.at); } else { params.delete("at"); }
      window.history.replaceState(window.history.state, "", "?" + params.toString());
      return window.dash_clientside.no_update;
    },
    // During play the day and hour boxes follow the moment on the map (the layers' callback
    // reports it once drawn), so they change together with the label, not a step before it.
    showMoment: function (shown, time) {
      var none = window.dash_clientside.no_update;
      if (!shown || !time || !time.play || time.at !== shown) { return [none, none]; }
      return [shown.slice(0, 10), parseInt(shown.slice(11, 13), 10)];
    },
    // Fit the unit the server chose, clear of the legend (bottom left) and the layers control
    // (top right) where the map is wide enough to spare the room; a phone's map is not.
    fitMap: function (request) {
      if (!request) { return window.dash_clientside.no_update; }
      if (request.transition !== "fitBounds") { return request; }
      var map = document.getElementById("map");
      var wide = map && map.clientWidth >= 700;
      // The legend's width depends on its words (and language): measure it, not a guess.
      var legend = document.querySelector(".map-wrap .legend");
      var left = Math.max(230, legend ? legend.offsetWidth + 20 : 0);
      return Object.assign({}, request, {
        options: wide
          ? {paddingTopLeft: [left, 10], paddingBottomRight: [200, 10]}
          : {paddingTopLeft: [10, 10], paddingBottomRight: [10, 10]}
      });
    },
    // A click on a unit selects it: a district drills down to its wards, a ward shows its facts.
    // The viewing date stays; the remembered view goes, so the map fits the new unit.
    drillTo: function (feature) {
      var code = feature && feature.properties && feature.properties.code;
      if (!code) { return window.dash_clientside.no_update; }
      var params = new URLSearchParams(window.location.search);
      params.set("unit", code);
      params.delete("view");
      window.canthoMap.navigate(params);
      return window.dash_clientside.no_update;
    },
    // Change the viewing date, keeping the rest of the URL (including the remembered view).
    setDate: function (value) {
      var params = new URLSearchParams(window.location.search);
      if (!value || params.get("date") === value) { return window.dash_clientside.no_update; }
      params.set("date", value);
      window.canthoMap.navigate(params);
      return window.dash_clientside.no_update;
    }
  }
});
