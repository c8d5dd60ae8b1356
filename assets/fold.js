/* Phones fold what crowds or covers the map. A <details data-fold="…"> (the control bar's block,
 * the map's legend) is open as the server renders it, which suits a desktop, the kiosk and a page
 * without scripts; on a narrow screen this closes it as it appears, before it is painted (a
 * mutation observer runs before the next paint). The user's own folding or unfolding is kept when
 * the server draws the element again (the legend is redrawn whenever the layers change); a change
 * of width class (a phone turned sideways, a window resized) sets every fold to the width's
 * default again. "Narrow" is the phone width of assets/style.css. */
(function () {
  var narrow = window.matchMedia("(max-width: 760px)");
  var chosen = {};  // data-fold name -> open or not, as last toggled on this page

  function fit(details) {
    var name = details.getAttribute("data-fold");
    var open = name in chosen ? chosen[name] : !narrow.matches;
    if (details.open !== open) {
      details.open = open;
    }
  }

  function settleNew() {
    var fresh = document.querySelectorAll("details[data-fold]:not([data-fold-seen])");
    Array.prototype.forEach.call(fresh, function (details) {
      details.setAttribute("data-fold-seen", "");
      fit(details);
      details.addEventListener("toggle", function () {
        chosen[details.getAttribute("data-fold")] = details.open;
      });
    });
  }

  new MutationObserver(settleNew).observe(document.documentElement, {
    childList: true, subtree: true,
  });
  narrow.addEventListener("change", function () {
    chosen = {};
    Array.prototype.forEach.call(document.querySelectorAll("details[data-fold]"), fit);
  });
})();
