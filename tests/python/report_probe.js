// Injected at the start of the report's <head> by test_report.py before Chromium opens it:
// records script errors and console errors, then, after the page has loaded and the charts
// have drawn, writes what was drawn and the numbers shown as JSON into a pre element (id
// render-check), which `chromium --dump-dom` prints.
window.__errors = [];
window.addEventListener('error', function (e) { window.__errors.push('error: ' + String(e.message || e)); });
window.addEventListener('unhandledrejection', function (e) { window.__errors.push('unhandled rejection: ' + String(e.reason)); });
(function () {
  var original = console.error;
  console.error = function () {
    window.__errors.push('console.error: ' + Array.prototype.join.call(arguments, ' '));
    original.apply(console, arguments);
  };
})();

function plain(value) {
  if (value === undefined || value === null) return null;
  if (Array.isArray(value) || ArrayBuffer.isView(value)) return Array.from(value, plain);
  if (value instanceof Date) return value.toISOString();
  return value;
}

window.addEventListener('load', function () {
  setTimeout(function () {
    var charts = [];
    document.querySelectorAll('figure[data-chart]').forEach(function (figure) {
      var plot = figure.querySelector('.js-plotly-plot');
      var marks = plot ? Array.from(plot.querySelectorAll('g.trace path, g.trace image, g.hm image')).filter(function (el) {
        var d = el.getAttribute('d') || el.getAttribute('href') || el.getAttribute('xlink:href') || '';
        return d.length > 0 && d !== 'M0,0Z';
      }).length : 0;
      charts.push({
        key: figure.getAttribute('data-chart'),
        caption: (figure.querySelector('figcaption') || {}).textContent || '',
        svgs: plot ? plot.querySelectorAll('svg.main-svg').length : 0,
        marks: marks,
        // The drawn width: the SVG can be wider than its (clipped) container.
        plot_width: plot ? Math.max.apply(null, Array.from(plot.querySelectorAll('svg.main-svg'), function (svg) {
          return svg.getBoundingClientRect().width;
        }).concat([0])) : 0,
        figure_width: figure.getBoundingClientRect().width,
        traces: plot && plot._fullData ? plot._fullData.map(function (t) {
          return {name: t.name || '', type: t.type, x: plain(t.x), y: plain(t.y), z: plain(t.z), text: plain(t.text)};
        }) : []
      });
    });
    var kpis = {};
    document.querySelectorAll('[data-metric]').forEach(function (el) {
      kpis[el.getAttribute('data-metric')] = {value: el.getAttribute('data-value'), shown: el.querySelector('.value').textContent};
    });
    var tables = {};
    document.querySelectorAll('[data-table]').forEach(function (el) {
      tables[el.getAttribute('data-table')] = Array.from(el.querySelectorAll('tbody tr[data-key]'), function (tr) { return tr.getAttribute('data-key'); });
    });
    var notes = Array.from(document.querySelectorAll('[data-note]'), function (el) { return el.getAttribute('data-note'); });
    var out = document.createElement('pre');
    out.id = 'render-check';
    out.textContent = JSON.stringify({errors: window.__errors, charts: charts, kpis: kpis, tables: tables, notes: notes,
      plotly: typeof Plotly !== 'undefined' ? Plotly.version : null});
    document.body.appendChild(out);
  }, 1500);
});
