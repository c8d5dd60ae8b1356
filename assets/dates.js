/* Dash's date pickers (dcc.DatePickerSingle) name months and weekdays with the date-fns locale
   in window.dateFns.locale that matches the browser's languages, else the first one there.
   assets/vendor/date-fns-locale-vi.min.js adds Vietnamese; this keeps only the page's own
   language, so a Vietnamese page says "T2 T3 …" in any browser and an English page keeps
   date-fns's built-in English even in a browser set to Vietnamese. */
document.addEventListener("DOMContentLoaded", function () {
  var page = (document.documentElement.lang || "vi").split("-")[0];
  var locales = (window.dateFns && window.dateFns.locale) || {};
  Object.keys(locales).forEach(function (code) {
    if (code.split(/(?=[A-Z])/)[0] !== page) {
      delete locales[code];
    }
  });
});
