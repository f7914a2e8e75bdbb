// Renders /actuator/llmquota every second. Written against the endpoint's documented shape,
// but reads it defensively: pools and dimensions may come as objects keyed by name or as
// arrays, and missing figures are left out rather than breaking the page.
(function () {
  'use strict';

  var ENDPOINT = 'actuator/llmquota';
  // Defaults until the endpoint says otherwise (llm.quota.alerts.*-threshold).
  var WARN = 0.8;
  var CRITICAL = 0.9;
  var poolsElement = document.getElementById('pools');
  var scopesElement = document.getElementById('scopes');
  var stateElement = document.getElementById('state');
  // The controls that change pools and scopes show only where the endpoint's write operations are on.
  var controlsWanted = false;
  var controlsBuilt = false;

  function pick(object, names) {
    if (!object || typeof object !== 'object') {
      return undefined;
    }
    for (var i = 0; i < names.length; i++) {
      var value = object[names[i]];
      if (value !== undefined && value !== null) {
        return value;
      }
    }
    return undefined;
  }

  // [name, value] pairs of an object keyed by name, or of an array of named items.
  function entries(collection) {
    if (Array.isArray(collection)) {
      return collection.map(function (item, index) {
        var name = pick(item, ['name', 'pool', 'dimension', 'model', 'id']);
        return [name !== undefined ? String(name) : String(index), item];
      });
    }
    if (collection && typeof collection === 'object') {
      return Object.keys(collection).map(function (key) { return [key, collection[key]]; });
    }
    return [];
  }

  function number(value) {
    var n = typeof value === 'string' ? parseFloat(value) : value;
    return typeof n === 'number' && isFinite(n) ? n : undefined;
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text !== undefined) {
      node.textContent = text;
    }
    return node;
  }

  function format(value, decimals) {
    return value === undefined ? '?' : value.toLocaleString(undefined, { maximumFractionDigits: decimals });
  }

  function thresholdsOf(pool) {
    var thresholds = pick(pool, ['thresholds']) || {};
    return {
      warn: number(thresholds.warn) !== undefined ? number(thresholds.warn) : WARN,
      critical: number(thresholds.critical) !== undefined ? number(thresholds.critical) : CRITICAL
    };
  }

  function statusOf(utilisation, reported, thresholds) {
    if (typeof reported === 'string' && reported) {
      return reported.toUpperCase();
    }
    if (utilisation === undefined) {
      return 'OK';
    }
    return utilisation >= thresholds.critical ? 'CRITICAL' : utilisation >= thresholds.warn ? 'WARN' : 'OK';
  }

  function until(instant) {
    var time = Date.parse(instant);
    if (isNaN(time)) {
      return String(instant);
    }
    var seconds = Math.max(0, Math.ceil((time - Date.now()) / 1000));
    return new Date(time).toLocaleTimeString() + ' (in ' + seconds + ' s)';
  }

  function trendChart(trend) {
    var values = trend.map(number).filter(function (v) { return v !== undefined; });
    if (values.length < 2) {
      return null;
    }
    var ns = 'http://www.w3.org/2000/svg';
    var svg = document.createElementNS(ns, 'svg');
    svg.setAttribute('class', 'trend');
    svg.setAttribute('viewBox', '0 0 100 20');
    svg.setAttribute('preserveAspectRatio', 'none');
    var top = Math.max(1, Math.max.apply(null, values));
    var points = values.map(function (v, i) {
      return (i * 100 / (values.length - 1)).toFixed(2) + ',' + (20 - v / top * 20).toFixed(2);
    });
    var line = document.createElementNS(ns, 'polyline');
    line.setAttribute('points', points.join(' '));
    line.setAttribute('fill', 'none');
    line.setAttribute('stroke', '#3b6fd6');
    line.setAttribute('stroke-width', '1');
    line.setAttribute('vector-effect', 'non-scaling-stroke');
    svg.appendChild(line);
    var title = document.createElementNS(ns, 'title');
    title.textContent = 'Utilisation per minute, last hour';
    svg.appendChild(title);
    return svg;
  }

  function renderDimension(name, dimension, thresholds) {
    var limit = number(pick(dimension, ['limit']));
    // A scope shows its bucket's level: it keeps no trailing minute.
    var used = number(pick(dimension, ['usedLastMinute', 'level', 'used', 'usage']));
    var utilisation = number(pick(dimension, ['utilisation', 'utilization']));
    if (utilisation === undefined && used !== undefined && limit) {
      utilisation = used / limit;
    }
    var status = statusOf(utilisation, pick(dimension, ['status']), thresholds);
    var row = element('div', 'dimension');
    row.setAttribute('data-dimension', name);
    row.setAttribute('data-status', status);
    var label = element('div', 'label');
    label.appendChild(element('span', null, name));
    var figures = format(utilisation === undefined ? undefined : utilisation * 100, 1) + ' %';
    if (used !== undefined || limit !== undefined) {
      figures += ' \u00b7 ' + format(used, 0) + ' / ' + format(limit, 0);
    }
    var effective = number(pick(dimension, ['effectiveLimit']));
    if (effective !== undefined) {
      figures += ' (effective ' + format(effective, 0) + ')';
    }
    label.appendChild(element('span', 'figures', figures));
    row.appendChild(label);
    var track = element('div', 'track');
    var fill = element('div', 'fill ' + status);
    fill.style.width = Math.min(100, Math.max(0, (utilisation || 0) * 100)) + '%';
    track.appendChild(fill);
    var warnLine = element('div', 'line warn');
    warnLine.style.left = Math.min(100, thresholds.warn * 100) + '%';
    track.appendChild(warnLine);
    var criticalLine = element('div', 'line critical');
    criticalLine.style.left = Math.min(100, thresholds.critical * 100) + '%';
    track.appendChild(criticalLine);
    row.appendChild(track);
    var trend = pick(dimension, ['trend']);
    if (Array.isArray(trend)) {
      var chart = trendChart(trend);
      if (chart) {
        row.appendChild(chart);
      }
    }
    return row;
  }

  function renderPool(name, pool) {
    var section = element('section', 'pool');
    section.setAttribute('data-pool', name);
    var heading = element('h2', null, name);
    var status = pick(pool, ['status']);
    if (typeof status === 'string') {
      heading.appendChild(element('span', 'badge ' + status.toUpperCase(), status));
    }
    section.appendChild(heading);
    var meta = [];
    var provider = pick(pool, ['provider']);
    if (provider !== undefined) {
      meta.push(String(provider));
    }
    var inFlight = number(pick(pool, ['inFlight', 'in-flight', 'inflight']));
    if (inFlight !== undefined) {
      meta.push('in flight: ' + inFlight);
    }
    var multiplier = number(pick(pool, ['multiplier']));
    if (multiplier !== undefined && multiplier < 1) {
      meta.push('multiplier: ' + format(multiplier, 2));
    }
    if (pick(pool, ['shedding']) === true) {
      meta.push('shedding the lowest class');
    }
    section.appendChild(element('div', 'meta', meta.join(' \u00b7 ')));

    // Models come keyed by name with their state, or as a plain list of names.
    var models = entries(pick(pool, ['models'])).map(function (entry) {
      return typeof entry[1] === 'string' ? [entry[1], {}] : entry;
    });
    if (models.length) {
      section.appendChild(element('div', 'models', 'models: ' + models.map(function (entry) {
        var breaker = pick(pick(entry[1], ['state']), ['circuitBreaker']);
        return entry[0] + (breaker !== undefined ? ' (breaker ' + breaker + ')' : '');
      }).join(', ')));
    }

    entries(pick(pool, ['dimensions'])).forEach(function (entry) {
      section.appendChild(renderDimension(entry[0], entry[1], thresholdsOf(pool)));
    });

    var queue = entries(pick(pool, ['queued', 'queueDepth', 'queue']));
    if (queue.length) {
      var table = element('table', 'queue');
      var head = element('tr');
      head.appendChild(element('th', null, 'waiting'));
      var counts = element('tr');
      counts.appendChild(element('td', null, 'requests'));
      queue.forEach(function (entry) {
        head.appendChild(element('th', null, entry[0]));
        var cell = element('td', null, String(number(entry[1]) !== undefined ? number(entry[1]) : entry[1]));
        cell.setAttribute('data-class', entry[0]);
        counts.appendChild(cell);
      });
      table.appendChild(head);
      table.appendChild(counts);
      section.appendChild(table);
    }

    renderTenants(section, pick(pool, ['waitingTenants']));

    var cooldowns = [];
    var poolCooldown = pick(pool, ['cooldownUntil']);
    if (poolCooldown) {
      cooldowns.push('pool cooling down after a 429 until ' + until(poolCooldown));
    }
    models.forEach(function (m) {
      var modelCooldown = pick(m[1], ['cooldownUntil']);
      if (modelCooldown) {
        cooldowns.push(m[0] + ' cooling down until ' + until(modelCooldown));
      }
    });
    cooldowns.forEach(function (text) {
      section.appendChild(element('div', 'cooldown', text));
    });
    renderLive(section, pick(pool, ['live']));
    return section;
  }

  // Where the pool shares its classes between tenants: those with the most tokens waiting,
  // then the most admitted, as the fleet holds them (by id where this instance has seen them,
  // else a hash), with each one's share of the waiting tokens and of the tokens the fleet
  // admitted in the last one to two minutes (the split fair sharing made).
  function renderTenants(section, tenants) {
    if (!Array.isArray(tenants) || !tenants.length) {
      return;
    }
    var total = tenants.reduce(function (sum, t) { return sum + (number(t.waitingTokens) || 0); }, 0);
    var table = element('table', 'tenants');
    var head = element('tr');
    ['tenant', 'waiting tokens', 'requests', 'waiting share', 'admitted tokens', 'admitted share']
      .forEach(function (title) {
        head.appendChild(element('th', null, title));
      });
    table.appendChild(head);
    tenants.forEach(function (t) {
      var row = element('tr');
      row.setAttribute('data-tenant', String(t.tenant));
      row.appendChild(element('td', null, String(t.tenant)));
      row.appendChild(element('td', null, String(t.waitingTokens)));
      row.appendChild(element('td', null, String(t.waitingRequests)));
      row.appendChild(element('td', null, total > 0 ? format(100 * t.waitingTokens / total, 1) + ' %' : ''));
      var admitted = number(t.admittedTokens);
      var share = number(t.admittedShare);
      row.appendChild(element('td', 'admitted', admitted !== undefined ? String(admitted) : ''));
      row.appendChild(element('td', 'admitted-share', admitted ? format(100 * share, 1) + ' %' : ''));
      table.appendChild(row);
    });
    section.appendChild(table);
  }

  // What operators changed at runtime, and what shadow mode would have decided.
  function renderLive(section, live) {
    if (!live || typeof live !== 'object') {
      return;
    }
    var changes = entries(live.limits).map(function (entry) {
      return entry[0] + ' limit ' + format(number(entry[1]), 0);
    });
    if (Array.isArray(live.pausedClasses) && live.pausedClasses.length) {
      changes.push('paused: ' + live.pausedClasses.join(', '));
    }
    if (number(live.pinnedMultiplier) !== undefined) {
      changes.push('multiplier pinned at ' + format(number(live.pinnedMultiplier), 2));
    }
    if (live.shadow === true) {
      changes.push('shadow mode');
    }
    else if (live.shadow === false) {
      changes.push('enforced');
    }
    if (changes.length) {
      section.appendChild(element('div', 'live', 'changed at runtime: ' + changes.join(' \u00b7 ')));
    }
    var shadow = live.shadowDecisions;
    if (shadow && typeof shadow === 'object') {
      var wouldBe = entries(shadow.wouldBe).map(function (entry) {
        return entry[0] + ' ' + entry[1];
      });
      var text = 'shadow mode admitted ' + format(number(shadow.decisions), 0) + '; enforcement would have: '
        + wouldBe.join(', ');
      if (number(shadow.longestWouldWaitMillis) > 0) {
        text += '; longest wait ' + format(number(shadow.longestWouldWaitMillis) / 1000, 1) + ' s';
      }
      section.appendChild(element('div', 'shadow', text));
    }
  }

  function button(control, text, action) {
    var node = element('button', null, text);
    node.type = 'button';
    node.setAttribute('data-control', control);
    node.addEventListener('click', action);
    return node;
  }

  function input(control, step) {
    var node = element('input');
    node.type = 'number';
    node.step = step;
    node.setAttribute('data-control', control);
    return node;
  }

  function select(control, names) {
    var node = element('select');
    node.setAttribute('data-control', control);
    names.forEach(function (name) {
      var option = element('option', null, name);
      option.value = name;
      node.appendChild(option);
    });
    return node;
  }

  function row(label, nodes) {
    var line = element('div', 'row');
    line.appendChild(element('label', null, label));
    nodes.forEach(function (node) { line.appendChild(node); });
    return line;
  }

  // POST a change, or DELETE (no body) to revert; the answer goes to the result line.
  function send(pool, body, result) {
    result.className = 'result';
    result.textContent = 'sending\u2026';
    fetch(ENDPOINT + '/' + encodeURIComponent(pool), {
      method: body ? 'POST' : 'DELETE',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: body ? JSON.stringify(body) : undefined
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (json) {
        result.className = response.ok ? 'result' : 'result error';
        result.textContent = response.ok ? 'applied' : 'refused (HTTP ' + response.status + ')'
          + (json.error ? ': ' + json.error : '');
      });
    }).catch(function (error) {
      result.className = 'result error';
      result.textContent = String(error.message || error);
    });
  }

  // A fieldset of controls for one pool or scope (kind), with the line its answers go to.
  function controlSet(kind, name) {
    var set = element('fieldset');
    set.setAttribute('data-' + kind, name);
    set.appendChild(element('legend', null, name));
    var result = element('span', 'result');
    result.setAttribute('data-control', 'result');
    return { set: set, result: result };
  }

  // A pool and a scope take a limit the same way: for one of the dimensions it limits.
  function limitRow(name, dimensions, result) {
    var dimension = select('dimension', entries(dimensions).map(function (e) { return e[0]; }));
    var limit = input('limit', '1');
    return row('limit', [dimension, limit, button('set-limit', 'Set limit', function () {
      send(name, { dimension: dimension.value, limit: limit.value }, result);
    })]);
  }

  function revertButton(name, result) {
    return button('revert', 'Revert to configuration', function () {
      send(name, null, result);
    });
  }

  // Built once, from the first reading, so that a redraw never clears what is typed.
  function buildControls(json) {
    var container = document.getElementById('controls');
    entries(json && json.pools).forEach(function (entry) {
      var name = entry[0];
      var pool = entry[1];
      var controls = controlSet('pool', name);
      var set = controls.set;
      var result = controls.result;
      set.appendChild(limitRow(name, pick(pool, ['dimensions']), result));
      var priority = select('class', entries(pick(pool, ['queued'])).map(function (e) { return e[0]; }));
      set.appendChild(row('class', [priority, button('pause', 'Pause', function () {
        send(name, { pause: priority.value }, result);
      }), button('resume', 'Resume', function () {
        send(name, { resume: priority.value }, result);
      })]));
      var multiplier = input('multiplier', '0.05');
      set.appendChild(row('multiplier', [multiplier, button('pin', 'Pin', function () {
        send(name, { pinMultiplier: multiplier.value }, result);
      }), button('unpin', 'Unpin', function () {
        send(name, { unpinMultiplier: true }, result);
      })]));
      set.appendChild(row('shadow mode', [button('shadow-on', 'On', function () {
        send(name, { shadow: true }, result);
      }), button('shadow-off', 'Off', function () {
        send(name, { shadow: false }, result);
      }), revertButton(name, result)]));
      set.appendChild(result);
      container.appendChild(set);
    });
    // A scope takes limits only: classes, the multiplier and shadow mode belong to its pools.
    entries(json && json.scopes).forEach(function (entry) {
      var controls = controlSet('scope', entry[0]);
      controls.set.appendChild(limitRow(entry[0], pick(entry[1], ['dimensions']), controls.result));
      controls.set.appendChild(row('configuration', [revertButton(entry[0], controls.result)]));
      controls.set.appendChild(controls.result);
      container.appendChild(controls.set);
    });
    container.hidden = false;
  }

  // A scope (organisation, project) over pools: its parent, its pools and its bucket per
  // dimension, the share of it in use against the same thresholds as the pools'.
  function renderScope(name, scope, thresholds) {
    var section = element('section', 'scope');
    section.setAttribute('data-scope', name);
    var heading = element('h2', null, name);
    var status = pick(scope, ['status']);
    if (typeof status === 'string') {
      heading.appendChild(element('span', 'badge ' + status.toUpperCase(), status));
    }
    section.appendChild(heading);
    var meta = [];
    var parent = pick(scope, ['parent']);
    meta.push(parent !== undefined ? 'under ' + parent : 'root');
    var pools = pick(scope, ['pools']);
    if (Array.isArray(pools)) {
      meta.push('pools: ' + pools.join(', '));
    }
    var inFlight = number(pick(scope, ['inFlight']));
    if (inFlight !== undefined) {
      meta.push('in flight: ' + inFlight + ' / ' + format(number(pick(scope, ['maxConcurrency'])), 0));
    }
    var metaElement = element('div', 'meta', meta.join(' \u00b7 '));
    metaElement.setAttribute('data-scope-meta', name);
    section.appendChild(metaElement);
    entries(pick(scope, ['dimensions'])).forEach(function (entry) {
      section.appendChild(renderDimension(entry[0], entry[1], thresholds));
    });
    renderLive(section, pick(scope, ['live']));
    return section;
  }

  function render(json) {
    if (controlsWanted && !controlsBuilt) {
      controlsBuilt = true;
      buildControls(json);
    }
    var pools = entries(json && json.pools !== undefined ? json.pools : json);
    var fragment = document.createDocumentFragment();
    pools.forEach(function (entry) {
      if (entry[1] && typeof entry[1] === 'object') {
        fragment.appendChild(renderPool(entry[0], entry[1]));
      }
    });
    poolsElement.replaceChildren(fragment);
    var scopes = entries(json && json.scopes);
    var scopeFragment = document.createDocumentFragment();
    var thresholds = thresholdsOf(pools.length ? pools[0][1] : null);
    scopes.forEach(function (entry) {
      if (entry[1] && typeof entry[1] === 'object') {
        scopeFragment.appendChild(renderScope(entry[0], entry[1], thresholds));
      }
    });
    scopesElement.replaceChildren(scopeFragment);
    scopesElement.parentNode.hidden = !scopes.length;
    stateElement.className = '';
    stateElement.textContent = pools.length + ' pool' + (pools.length === 1 ? '' : 's') + ', updated '
      + new Date().toLocaleTimeString();
  }

  function refresh() {
    fetch(ENDPOINT, { headers: { Accept: 'application/json' }, cache: 'no-store' })
      .then(function (response) {
        if (!response.ok) {
          throw new Error('/' + ENDPOINT + ' answered HTTP ' + response.status);
        }
        return response.json();
      })
      .then(render)
      .catch(function (error) {
        stateElement.className = 'error';
        stateElement.textContent = String(error.message || error) + '; retrying every second';
      })
      .finally(function () {
        setTimeout(refresh, 1000);
      });
  }

  fetch('page-settings', { headers: { Accept: 'application/json' } })
    .then(function (response) { return response.ok ? response.json() : {}; })
    .then(function (settings) { controlsWanted = settings.liveChanges === true; })
    .catch(function () { controlsWanted = false; })
    .finally(refresh);
})();
