/*
 * civiclab run charts, drawn with the vendored Chart.js (static/vendor/chartjs/).
 *
 * Markup (templates/indicators/partials/chart.html):
 *   <figure class="chart" data-chart="ID" [data-variant="spark"] data-name-value="…" …>
 *     <div class="chart-canvas"><canvas role="img" aria-label="…"></canvas></div>
 *   </figure>
 *   <script id="ID" type="application/json">{labels, values, median, target, signals, …}</script>
 *
 * The payload comes from civiclab.indicators.engine.chart.chart_data; the legend and axis names
 * come from the figure's data-name-* attributes, so they are translated on the server.
 * The table beside every chart holds the same values: it is the accessible alternative.
 *
 * No build step. This file may be included more than once on a page (every indicator card
 * includes it, so a card works on any page): only the first copy runs. If Chart.js is not
 * on the page, it is loaded once from the address in this script's data-chartjs attribute.
 */
(function () {
  "use strict";

  if (window.civiclabCharts) {
    return; // already running: another copy of this file was included first
  }

  var script = document.currentScript;
  var chartjsSrc = script ? script.getAttribute("data-chartjs") : null;
  var waiting = []; // callbacks waiting for Chart.js to load
  var loading = false;

  var COLOURS = {
    value: "#1f4e9c",
    median: "#5f6b76",
    target: "#1a7f37",
    signal: "#c62828",
  };

  function reducedMotion() {
    return window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  }

  function flush() {
    waiting.splice(0).forEach(function (fn) {
      fn();
    });
  }

  // Run `fn` once the page's own deferred scripts have run (at once if they have).
  function whenParsed(fn) {
    if (document.readyState === "complete") {
      fn();
      return;
    }
    var done = false;
    var once = function () {
      if (!done) {
        done = true;
        fn();
      }
    };
    document.addEventListener("DOMContentLoaded", once);
    window.addEventListener("load", once); // when DOMContentLoaded has passed already
  }

  // Run `callback` once window.Chart exists: the page's own <script> for Chart.js if it has
  // one (it may come after this file), else Chart.js loaded once from data-chartjs.
  function withChartJs(callback) {
    if (window.Chart) {
      callback();
      return;
    }
    waiting.push(callback);
    if (loading) {
      return;
    }
    loading = true;
    whenParsed(function () {
      if (window.Chart) {
        flush();
        return;
      }
      if (!chartjsSrc) {
        waiting.length = 0; // nowhere to load Chart.js from: the tables still hold the values
        loading = false;
        return;
      }
      var tag = document.createElement("script");
      tag.src = chartjsSrc;
      tag.onload = flush;
      document.head.appendChild(tag);
    });
  }

  function formatNumber(value) {
    var lang = document.documentElement.lang || undefined;
    return new Intl.NumberFormat(lang, { maximumFractionDigits: 2 }).format(value);
  }

  // A horizontal line across every period (median or target).
  function level(value, count) {
    var points = [];
    for (var i = 0; i < count; i++) {
      points.push(value);
    }
    return points;
  }

  function config(data, names, spark) {
    var count = data.labels.length;
    var signals = new Set(data.signals);
    var isSignal = function (ctx) {
      return signals.has(ctx.dataIndex);
    };
    var unit = data.y_label || "";
    var datasets = [
      {
        label: names.value,
        data: data.values,
        role: "value",
        legendStyle: "circle",
        borderColor: COLOURS.value,
        backgroundColor: COLOURS.value,
        borderWidth: spark ? 1.5 : 2,
        spanGaps: false, // a period without a value is a gap, not a straight line across it
        // Signal points differ in colour AND shape (a larger diamond), not colour alone.
        pointStyle: function (ctx) {
          return isSignal(ctx) ? "rectRot" : "circle";
        },
        pointRadius: function (ctx) {
          if (isSignal(ctx)) {
            return spark ? 3 : 6;
          }
          return spark ? 0 : 3;
        },
        pointHoverRadius: function (ctx) {
          return isSignal(ctx) ? 8 : 5;
        },
        pointBackgroundColor: function (ctx) {
          return isSignal(ctx) ? COLOURS.signal : COLOURS.value;
        },
        pointBorderColor: function (ctx) {
          return isSignal(ctx) ? COLOURS.signal : COLOURS.value;
        },
      },
    ];
    if (data.median !== null && !spark) {
      datasets.push({
        label: names.median,
        data: level(data.median, count),
        role: "median",
        legendStyle: "line",
        borderColor: COLOURS.median,
        borderDash: [6, 4],
        borderWidth: 1.5,
        pointRadius: 0,
        pointHoverRadius: 0,
      });
    }
    if (data.target !== null) {
      datasets.push({
        label: names.target,
        data: level(data.target, count),
        role: "target",
        legendStyle: "line",
        borderColor: COLOURS.target,
        borderDash: [12, 3, 2, 3], // dash-dot: unlike the median's even dashes
        borderWidth: spark ? 1 : 2,
        pointRadius: 0,
        pointHoverRadius: 0,
      });
    }
    if (signals.size && !spark) {
      // No data: only there to explain the diamond in the legend.
      datasets.push({
        label: names.signal,
        data: [],
        role: "signal",
        legendStyle: "rectRot",
        borderColor: COLOURS.signal,
        backgroundColor: COLOURS.signal,
      });
    }
    return {
      type: "line",
      data: { labels: data.labels, datasets: datasets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: reducedMotion() ? false : { duration: 300 },
        interaction: { mode: "index", intersect: false },
        layout: { padding: spark ? 4 : 0 },
        scales: {
          x: {
            display: !spark,
            title: { display: true, text: names.period },
            ticks: { autoSkip: true, maxRotation: 0, maxTicksLimit: 8 },
            grid: { display: false },
          },
          y: {
            display: !spark,
            beginAtZero: !spark,
            title: { display: true, text: unit || names.value },
            ticks: { callback: formatNumber },
          },
        },
        plugins: {
          title: { display: false },
          legend: {
            display: !spark,
            position: "bottom",
            labels: {
              usePointStyle: true,
              generateLabels: function (chart) {
                var items = window.Chart.defaults.plugins.legend.labels.generateLabels(chart);
                items.forEach(function (item) {
                  var dataset = chart.data.datasets[item.datasetIndex];
                  item.pointStyle = dataset.legendStyle;
                  if (dataset.role === "value" || dataset.role === "signal") {
                    item.fillStyle = dataset.borderColor;
                  }
                });
                return items;
              },
            },
          },
          tooltip: {
            enabled: true,
            filter: function (item) {
              return item.dataset.role !== "signal" && item.raw !== null;
            },
            callbacks: {
              label: function (item) {
                var text = item.dataset.label + ": " + formatNumber(item.raw);
                return unit ? text + " " + unit : text;
              },
              afterBody: function (items) {
                return items.length && signals.has(items[0].dataIndex) ? names.signal : "";
              },
            },
          },
        },
      },
    };
  }

  // Draw one <figure data-chart>; a canvas that already holds a chart is left alone.
  function draw(figure) {
    var canvas = figure.querySelector("canvas");
    var source = document.getElementById(figure.getAttribute("data-chart"));
    if (!canvas || !source || window.Chart.getChart(canvas)) {
      return;
    }
    var names = {
      value: figure.dataset.nameValue,
      median: figure.dataset.nameMedian,
      target: figure.dataset.nameTarget,
      signal: figure.dataset.nameSignal,
      period: figure.dataset.namePeriod,
    };
    var spark = figure.getAttribute("data-variant") === "spark";
    new window.Chart(canvas, config(JSON.parse(source.textContent), names, spark));
    figure.classList.add("chart-drawn");
  }

  // Charts whose canvas left the page (an htmx swap replaced it) are destroyed.
  function forgetDetached() {
    Object.values(window.Chart.instances).forEach(function (chart) {
      if (!chart.canvas || !chart.canvas.isConnected) {
        chart.destroy();
      }
    });
  }

  function drawIn(root) {
    withChartJs(function () {
      forgetDetached();
      var figures = [];
      if (root.matches && root.matches("figure[data-chart]")) {
        figures.push(root);
      }
      if (root.querySelectorAll) {
        figures.push.apply(figures, root.querySelectorAll("figure[data-chart]"));
      }
      figures.forEach(draw);
    });
  }

  window.civiclabCharts = { drawIn: drawIn };

  // Deferred scripts have all run by DOMContentLoaded, so a Chart.js included after this
  // file is there by then. htmx:load fires for content htmx swaps in (the builder's preview).
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () {
      drawIn(document);
    });
  } else {
    drawIn(document);
  }
  document.addEventListener("htmx:load", function (event) {
    drawIn(event.target);
  });
})();
