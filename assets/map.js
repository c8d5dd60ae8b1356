/* Client-side styling and labelling for the map (dash-leaflet functional properties), and the
 * small client-side callback that keeps the user's map view in the URL. Colours live here, data
 * comes from the server. */
window.canthoMap = {
  // Admin units: the selected one stands out; the others are quiet so labels read.
  unitStyle: function (feature) {
    var p = feature.properties || {};
    if (p.selected) {
      return {color: "#b03a2e", weight: 3, fillColor: "#f1948a", fillOpacity: 0.35};
    }
    return {color: "#1b4f72", weight: 1.5, fillColor: "#d6eaf8", fillOpacity: 0.35};
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
  labelUnit: function (feature, layer) {
    var p = feature.properties || {};
    if (p.label) {
      var at = L.latLng(p.label[1], p.label[0]);
      layer.getCenter = function () { return at; };
    }
    layer.bindTooltip(p.name, {
      permanent: true, direction: "center", className: "unit-label", interactive: false
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
