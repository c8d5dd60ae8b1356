/* The citizens' report form (/phan-anh), on top of a form that works without it: a map to tap
   (Leaflet, served from assets/vendor/leaflet; the city's units from /phan-anh/ban-do.geojson,
   base tiles only when the server names a tile URL), the phone's location, the open reports of
   the same category nearby ("Đã có người phản ánh?") with a button to add yourself, and the
   photo count and size checks before a long upload. Every text comes from the page (data-msg-*),
   written by the server in the page's language; names and descriptions go in as text. */
(function () {
  "use strict";

  function start() {
    var form = document.getElementById("report-form");
    if (!form) return;
    var latInput = document.getElementById("lat");
    var lonInput = document.getElementById("lon");
    var msg = function (name) { return form.getAttribute("data-msg-" + name) || ""; };
    var marker = null;
    var map = null;

    function chosenCategory() {
      var checked = form.querySelector("input[name=category]:checked");
      return checked ? checked.value : "";
    }

    function point() {
      var lat = parseFloat((latInput.value || "").replace(",", "."));
      var lon = parseFloat((lonInput.value || "").replace(",", "."));
      return isFinite(lat) && isFinite(lon) ? [lat, lon] : null;
    }

    // --- the category's own fields (water depth for flooding) ---
    function showAttributes() {
      var category = chosenCategory();
      form.querySelectorAll(".attribute").forEach(function (div) {
        div.hidden = div.getAttribute("data-category") !== category;
      });
    }

    // --- reports nearby ---
    var nearbyBox = document.getElementById("nearby");
    var nearbyList = document.getElementById("nearby-list");
    var nearbyNone = document.getElementById("nearby-none");
    var asked = 0;

    function supportForm(report) {
      var f = document.createElement("form");
      f.method = "post";
      f.action = report.support_url + "?lang=" + encodeURIComponent(form.getAttribute("data-lang"));
      var token = document.createElement("input");
      token.type = "hidden";
      token.name = "csrf_token";
      token.value = form.querySelector("input[name=csrf_token]").value;
      var button = document.createElement("button");
      button.type = "submit";
      button.className = "secondary";
      button.textContent = msg("support");
      f.appendChild(token);
      f.appendChild(button);
      return f;
    }

    function showNearby(reports) {
      nearbyList.textContent = "";
      reports.forEach(function (report) {
        var li = document.createElement("li");
        var head = document.createElement("div");
        var status = document.createElement("span");
        status.className = "status";
        status.style.setProperty("--status", report.colour);
        status.textContent = report.status;
        var link = document.createElement("a");
        link.href = report.url;
        link.textContent = " " + report.code;
        head.appendChild(status);
        head.appendChild(link);
        li.appendChild(head);
        var meta = document.createElement("div");
        meta.className = "meta";
        meta.textContent = report.reported + " · " + msg("supporters") + ": " + report.supporters;
        if (report.overdue) {
          var late = document.createElement("span");
          late.className = "overdue";
          late.textContent = msg("overdue");
          meta.appendChild(document.createTextNode(" "));
          meta.appendChild(late);
        }
        li.appendChild(meta);
        if (report.description) {
          var text = document.createElement("p");
          text.textContent = report.description;
          li.appendChild(text);
        }
        li.appendChild(supportForm(report));
        nearbyList.appendChild(li);
      });
      nearbyNone.hidden = reports.length > 0;
      nearbyBox.hidden = false;
    }

    function askNearby() {
      var category = chosenCategory();
      var at = point();
      if (!category || !at) { nearbyBox.hidden = true; return; }
      var ticket = ++asked;
      var url = "/phan-anh/gan-day?" + new URLSearchParams({
        category: category, lat: at[0], lon: at[1], lang: form.getAttribute("data-lang")
      });
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) {
          if (data && ticket === asked) showNearby(data.reports);
        })
        .catch(function () { /* offline: the form still sends */ });
    }

    // --- the pin ---
    function place(lat, lon, keepView) {
      latInput.value = lat.toFixed(6);
      lonInput.value = lon.toFixed(6);
      if (map) {
        if (marker) marker.setLatLng([lat, lon]);
        else marker = L.marker([lat, lon], { keyboard: false }).addTo(map);
        if (!keepView) map.setView([lat, lon], Math.max(map.getZoom(), 16), { animate: false });
      }
      askNearby();
    }

    function startMap() {
      var box = document.getElementById("report-map");
      if (!box || typeof L === "undefined") return;
      box.hidden = false;
      document.getElementById("map-hint").hidden = false;
      // Half zoom steps: the whole city fits a phone's width more snugly.
      map = L.map(box, { zoomControl: true, attributionControl: true, zoomSnap: 0.5 });
      var tiles = box.getAttribute("data-tile-url");
      if (tiles) {
        L.tileLayer(tiles, { attribution: box.getAttribute("data-tile-attribution"), maxZoom: 19 })
          .addTo(map);
      }
      map.setView([10.03, 105.77], 11);
      fetch(box.getAttribute("data-outline"), { credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (data) {
          var styles = {
            outline: { color: "#1b4f72", weight: 3, fill: false },
            river: { color: "#5dade2", weight: 2, fill: false },
            unit: { color: "#1b4f72", weight: 1, fillColor: "#d6eaf8", fillOpacity: 0.25 }
          };
          var layer = L.geoJSON(data, {
            interactive: false,
            style: function (f) {
              return styles[f.properties.kind] || { color: "#85929e", weight: 1, fill: false };
            }
          }).addTo(map);
          if (!point()) {
            var b = data.bbox;
            var bounds = b ? L.latLngBounds([[b[1], b[0]], [b[3], b[2]]]) : layer.getBounds();
            map.invalidateSize();  // the box was hidden until now
            map.fitBounds(bounds, { animate: false });
          }
        })
        .catch(function () { /* the map without outlines still takes a tap */ });
      map.on("click", function (e) {
        // A tap on the whole city is rough: the pin goes there and the map comes closer, so that
        // a second tap can put it on the right house.
        place(e.latlng.lat, e.latlng.lng, map.getZoom() >= 14);
      });
      var at = point();
      if (at) place(at[0], at[1], false);
    }

    function startLocate() {
      var button = document.getElementById("locate");
      var status = document.getElementById("locate-status");
      if (!("geolocation" in navigator)) return;
      button.hidden = false;
      button.addEventListener("click", function () {
        status.textContent = msg("locating");
        navigator.geolocation.getCurrentPosition(
          function (pos) {
            status.textContent = "";
            place(pos.coords.latitude, pos.coords.longitude, false);
          },
          function () { status.textContent = msg("locate-failed"); },
          { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
        );
      });
    }

    // --- photos: the count and sizes before a long upload (the server checks them again) ---
    var photos = document.getElementById("photos");
    var photosError = document.getElementById("photos-error");
    function photoProblem() {
      var files = photos.files || [];
      var max = parseInt(form.getAttribute("data-max-photos"), 10);
      var each = parseInt(form.getAttribute("data-max-photo-bytes"), 10);
      if (files.length > max) return msg("photos");
      for (var i = 0; i < files.length; i++) {
        if (files[i].size > each) return msg("photo-big").replace("{name}", files[i].name);
      }
      return "";
    }
    photos.addEventListener("change", function () {
      var problem = photoProblem();
      photosError.textContent = problem;
      photosError.hidden = !problem;
    });
    form.addEventListener("submit", function (e) {
      var problem = photoProblem();
      if (problem) {
        e.preventDefault();
        photosError.textContent = problem;
        photosError.hidden = false;
        photos.focus();
      }
    });

    form.querySelectorAll("input[name=category]").forEach(function (radio) {
      radio.addEventListener("change", function () { showAttributes(); askNearby(); });
    });
    [latInput, lonInput].forEach(function (input) {
      input.addEventListener("change", function () {
        var at = point();
        if (at) place(at[0], at[1], false);
      });
    });
    showAttributes();
    startMap();
    startLocate();
    if (!map) askNearby();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
