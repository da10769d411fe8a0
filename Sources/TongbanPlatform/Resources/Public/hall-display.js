// The hall display follows the queue without reloading the page: every 5 seconds it reads the
// board and redraws the three lists. Without JavaScript the page reloads itself (noscript).
(function () {
  var body = document.body, feed = body.getAttribute('data-feed');
  function fill(id, items, render) {
    var list = document.getElementById(id);
    while (list.firstChild) list.removeChild(list.firstChild);
    items.forEach(function (item) { var li = document.createElement('li'); render(li, item); list.appendChild(li); });
  }
  function refresh() {
    fetch(feed, { headers: { 'Accept': 'application/json' } }).then(function (r) { return r.ok ? r.json() : null; }).then(function (board) {
      if (!board) return;
      fill('current', board.calls.filter(function (c) { return c.current; }), function (li, c) {
        var n = document.createElement('span'); n.className = 'ticket-number'; n.textContent = c.label;
        li.appendChild(n); li.appendChild(document.createTextNode(' → ' + c.window));
      });
      fill('earlier', board.calls.filter(function (c) { return !c.current; }), function (li, c) { li.textContent = c.label + ' · ' + c.window; });
      fill('queues', board.queues, function (li, q) {
        var b = document.createElement('strong'); b.textContent = q.code; li.appendChild(b);
        li.appendChild(document.createTextNode(' ' + q.name + '：' + q.waiting));
      });
    }).catch(function () {});
  }
  setInterval(refresh, 5000);
})();
