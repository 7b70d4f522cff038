/*
 * civiclab evaluation charts (the effect of a result, power against sample size), drawn with
 * the vendored Chart.js (static/vendor/chartjs/, loaded by the page before this file).
 *
 * Markup (templates/evaluation/partials/chart.html):
 *   <figure class="chart evaluation-chart" data-evaluation-chart="ID">…<canvas>…</figure>
 *   <script id="ID" type="application/json">{type, labels, series, errors, marker, …}</script>
 *
 * The payload comes from civiclab.evaluation.views.charts, its words translated on the
 * server. The table beside every chart holds the same numbers (the accessible alternative).
 * Charts swapped in by htmx (the power calculator's answer) are drawn when they arrive.
 */
(function () {
  "use strict";

  var COLOURS = {
    value: "#1f4e9c",
    counterfactual: "#c2571a",
    target: "#1a7f37",
    band: "rgba(31, 78, 156, 0.35)",
    marker: "#5f6b76",
  };

  function reducedMotion() {
    return window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  }

  function dataset(series, type) {
    var colour = COLOURS[series.colour] || COLOURS.value;
    var set = {
      label: series.label,
      data: series.data,
      borderColor: colour,
      backgroundColor: series.style === "bar" ? "rgba(31, 78, 156, 0.6)" : colour,
      type: series.style === "bar" ? "bar" : "line",
      spanGaps: true,
    };
    if (series.style === "dashed") {
      set.borderDash = [6, 4];
      set.pointRadius = 0;
    } else if (series.style === "points") {
      set.showLine = type !== "line" ? false : series.colour !== "value";
      set.pointRadius = 3;
    } else if (series.style === "band") {
      set.borderDash = [2, 3];
      set.borderWidth = 1;
      set.pointRadius = 0;
      set.borderColor = COLOURS.band;
    } else if (series.style !== "bar") {
      set.pointRadius = 0;
    }
    return set;
  }

  // A vertical line at the intervention and the interval of each bar (errors), drawn after
  // the datasets.
  var overlay = {
    id: "civiclabEvaluationOverlay",
    afterDatasetsDraw: function (chart) {
      var payload = chart.options.plugins.civiclabEvaluationOverlay || {};
      var ctx = chart.ctx;
      var x = chart.scales.x;
      var y = chart.scales.y;
      ctx.save();
      if (payload.marker !== undefined && payload.marker !== null && payload.marker !== "") {
        var index = payload.labels.indexOf(String(payload.marker));
        if (index >= 0) {
          var px = x.getPixelForValue(index);
          ctx.strokeStyle = COLOURS.marker;
          ctx.setLineDash([4, 4]);
          ctx.beginPath();
          ctx.moveTo(px, y.top);
          ctx.lineTo(px, y.bottom);
          ctx.stroke();
          ctx.setLineDash([]);
        }
      }
      if (payload.zero && y.min < 0 && y.max > 0) {
        var py = y.getPixelForValue(0);
        ctx.strokeStyle = COLOURS.marker;
        ctx.beginPath();
        ctx.moveTo(x.left, py);
        ctx.lineTo(x.right, py);
        ctx.stroke();
      }
      (payload.errors || []).forEach(function (pair, i) {
        if (!pair || pair[0] === null || pair[1] === null) {
          return;
        }
        var cx = x.getPixelForValue(i);
        ctx.strokeStyle = "#222";
        ctx.beginPath();
        ctx.moveTo(cx, y.getPixelForValue(pair[0]));
        ctx.lineTo(cx, y.getPixelForValue(pair[1]));
        ctx.moveTo(cx - 6, y.getPixelForValue(pair[0]));
        ctx.lineTo(cx + 6, y.getPixelForValue(pair[0]));
        ctx.moveTo(cx - 6, y.getPixelForValue(pair[1]));
        ctx.lineTo(cx + 6, y.getPixelForValue(pair[1]));
        ctx.stroke();
      });
      ctx.restore();
    },
  };

  function draw(figure) {
    if (figure.getAttribute("data-drawn") || !window.Chart) {
      return;
    }
    var source = document.getElementById(figure.getAttribute("data-evaluation-chart"));
    var canvas = figure.querySelector("canvas");
    if (!source || !canvas) {
      return;
    }
    var payload = JSON.parse(source.textContent);
    var values = [];
    payload.series.forEach(function (s) {
      values = values.concat(s.data.filter(function (v) { return v !== null; }));
    });
    (payload.errors || []).forEach(function (pair) {
      values = values.concat(pair.filter(function (v) { return v !== null; }));
    });
    var yScale = { title: { display: !!payload.y_label, text: payload.y_label } };
    if (payload.y_max !== undefined) {
      yScale.min = 0;
      yScale.max = payload.y_max;
    } else if (payload.type === "bar") {
      yScale.beginAtZero = Math.min.apply(null, values) >= 0;
    }
    if (payload.errors && values.length) {
      // Room for the intervals drawn over the bars.
      yScale.suggestedMax = Math.max.apply(null, values);
      yScale.suggestedMin = Math.min(0, Math.min.apply(null, values));
    }
    figure.setAttribute("data-drawn", "1");
    new window.Chart(canvas, {
      type: payload.type,
      data: {
        labels: payload.labels,
        datasets: payload.series.map(function (s) { return dataset(s, payload.type); }),
      },
      options: {
        // The page's language, not the browser's: a French page's axes read 1 234,5.
        locale: document.documentElement.lang || undefined,
        animation: reducedMotion() ? false : undefined,
        maintainAspectRatio: false,
        scales: {
          x: { title: { display: !!payload.x_label, text: payload.x_label } },
          y: yScale,
        },
        plugins: {
          legend: { display: payload.series.length > 1 },
          civiclabEvaluationOverlay: {
            labels: payload.labels,
            marker: payload.marker,
            zero: payload.zero,
            errors: payload.errors,
          },
        },
      },
      plugins: [overlay],
    });
  }

  function drawAll(root) {
    (root || document).querySelectorAll("[data-evaluation-chart]").forEach(draw);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { drawAll(); });
  } else {
    drawAll();
  }
  document.addEventListener("htmx:afterSwap", function (event) {
    drawAll(event.target);
  });
})();
