/**
 * Sockbridge socket backend for Emscripten programs: link with
 *   emcc ... --js-library clients/js/emscripten/library_sockbridge.js
 * and set Module.sockbridge before the program starts (see clients/js/README.md, "Emscripten").
 *
 * It replaces the socket system calls of Emscripten's default emulation (SOCKFS: a WebSocket per
 * socket to a websockify bridge) with calls over ONE Sockbridge session (clients/js): TCP sockets
 * get a QUIC stream each and UDP sockets send and receive QUIC datagrams when the session is
 * WebTransport; over the WebSocket fallback everything shares the WebSocket. Sockets stay SOCKFS
 * nodes in the file-descriptor table, so read/write/close/fcntl/select/poll work on them as before.
 *
 * Semantics follow SOCKFS (non-blocking: EINPROGRESS, EAGAIN, readiness through poll/select and
 * Emscripten's socket callbacks) without pthreads or SharedArrayBuffer. Built with -sASYNCIFY (and
 * the syscalls below in ASYNCIFY_IMPORTS), calls on blocking sockets block instead: connect, accept,
 * recv*, send* with a full window, poll/select with a timeout, and getaddrinfo/gethostbyname ask the
 * proxy's resolver. Receiving is push mode: each socket's data is read from the session only while
 * less than SOCKBRIDGE.RECV_HIGH bytes wait unread in the program, so the proxy's credit window (not
 * this library) bounds memory and a program that stops reading stops the remote sender.
 *
 * Written against the syscall layer of Emscripten 3.1.6 (library_syscall.js, library_sockfs.js);
 * see README for what newer releases change.
 */
var SockbridgeLibrary = {
  $SOCKBRIDGE__deps: ['$SOCKFS', '$FS', '$DNS', '$ERRNO_CODES', '$inetPton4', '$inetPton6', '$writeSockaddr', '$readSockaddr', '$getSocketAddress'
#if ASYNCIFY
    , '$Asyncify'
#endif
  ],
  $SOCKBRIDGE__postset: 'SOCKBRIDGE.init();',
  $SOCKBRIDGE: {
    // Unread bytes per TCP socket above which its data is left to the proxy (push mode holds it
    // under the credit window), and the unacknowledged bytes a send may leave in flight.
    RECV_HIGH: 262144,
    SEND_WINDOW: 262144,
    // UDP datagrams queued in the program before the socket exists on the proxy, and unread ones
    // kept per socket (beyond that they are dropped, as a full receive buffer would).
    MAX_QUEUED_DATAGRAMS: 1024,
    // the answer a pthread's call gets from the main thread when it would block (not an errno)
    BLOCKED: -100000,
    // 0: a call made on the main thread; 1: a pthread's call, proxied here, which may answer
    // BLOCKED; 2: a pthread's last try after its timeout, answered as a non-blocking call would be
    threadMode: 0,
    wakeWord: 0,
    lookups: {},
    session: null,
    sessionError: null,
    ready: null,
    waiters: [],
    stats: { connects: 0, datagramsSent: 0, datagramsReceived: 0, datagramsDropped: 0 },

    init: function() {
#if USE_PTHREADS
      // one session, on the main thread: pthreads' socket calls are proxied there (__proxy: 'sync')
      if (ENVIRONMENT_IS_PTHREAD) return;
      // known before any change, which may come after the runtime has exited (the session's end)
      addOnInit(function() { SOCKBRIDGE.wakeWord = _sockbridge_wake_word() >> 2; });
#endif
      var cfg = Module['sockbridge'];
      Module['SOCKBRIDGE'] = SOCKBRIDGE;
      if (!cfg) {
        SOCKBRIDGE.sessionError = {{{ cDefine('ENETDOWN') }}};
        return;
      }
      addOnPreRun(function() {
        addRunDependency('sockbridge');
        SOCKBRIDGE.ready = SOCKBRIDGE.open(cfg).then(function(session) {
          SOCKBRIDGE.session = session;
          session.closed.then(function() { SOCKBRIDGE.sessionEnded(); });
          if (cfg['onopen']) cfg['onopen'](session);
          removeRunDependency('sockbridge');
        }, function(e) {
          SOCKBRIDGE.sessionError = {{{ cDefine('ENETDOWN') }}};
          var why = 'Sockbridge: no session: ' + (e && (e.reason || e.message) || e);
          if (cfg['onerror']) cfg['onerror'](e);
          if (cfg['required'] === false) {
            err(why);
            removeRunDependency('sockbridge');
          } else {
            abort(why);
          }
        });
      });
#if EXIT_RUNTIME
      addOnExit(function() { SOCKBRIDGE.close(); });
#endif
    },

    // Module.sockbridge: {url, webTransport: {url, certificateHashes}, token, prefer, client,
    // clientUrl, WebSocket, options, session, datagrams, mapAddress, required, onopen, onerror}
    open: function(cfg) {
      if (cfg['session']) return Promise.resolve(cfg['session']);
      var load = cfg['client'] ? Promise.resolve(cfg['client'])
        // hidden from the minifier, which parses ES2020 poorly in 3.1.6; works in classic scripts
        : (new Function('u', 'return import(u)'))(cfg['clientUrl'] || './sockbridge/src/sockbridge.js');
      return load.then(function(client) {
        var opts = Object.assign({}, cfg['options'] || {});
        if (cfg['WebSocket']) opts['WebSocket'] = cfg['WebSocket'];
        if (cfg['prefer']) opts['prefer'] = cfg['prefer'];
        var ws = cfg['url'] ? SOCKBRIDGE.withToken(cfg['url'], cfg['token']) : null;
        var wt = cfg['webTransport'];
        if (wt) {
          wt = { url: SOCKBRIDGE.withToken(wt['url'], cfg['token']), certificateHashes: wt['certificateHashes'] || [] };
          return client['connectBest']({ webTransport: wt, webSocket: ws }, opts);
        }
        return client['connect'](ws, opts);
      });
    },

    withToken: function(url, token) {
      if (!token || !url) return url;
      return url + (url.indexOf('?') >= 0 ? '&' : '?') + 'token=' + encodeURIComponent(token);
    },

    close: function() {
      var s = SOCKBRIDGE.session;
      if (s && !s.isClosed) s.close().catch(function() {});
    },

    sessionEnded: function() {
      SOCKBRIDGE.sessionError = {{{ cDefine('ENETDOWN') }}};
      SOCKBRIDGE.changed(null);
    },

    // ---- errors ----
    errnoOf: function(e) {
      if (e && e.code && ERRNO_CODES[e.code] !== undefined) return ERRNO_CODES[e.code];
      if (e && (e.code === 'SESSION_CLOSED' || e.code === 'STREAM_CLOSED')) return {{{ cDefine('ECONNRESET') }}};
      if (e && e.code === 'TIMEOUT') return {{{ cDefine('ETIMEDOUT') }}};
      return {{{ cDefine('EIO') }}};
    },

    // A failure that came after the call that caused it: kept as the socket's pending error (what
    // the next call or SO_ERROR reports) and told to SOCKFS's error callback.
    failed: function(sock, e) {
      sock.error = SOCKBRIDGE.errnoOf(e);
      SOCKBRIDGE.changed(sock, 'error', [sock.stream.fd, sock.error, String(e && e.message || e)]);
    },

    // ---- readiness: every state change wakes the blocked calls and emits SOCKFS's callbacks ----
    changed: function(sock, event, param) {
      if (sock && event) {
        try {
          Module['websocket'].emit(event, param !== undefined ? param : sock.stream.fd);
        } catch (e) {
          // the program's callback threw: report, do not lose the wake-ups below
          err('Sockbridge: socket callback failed: ' + e);
        }
      }
      var w = SOCKBRIDGE.waiters;
      SOCKBRIDGE.waiters = [];
      // the main thread's sleeping calls decide as main-thread calls, even when a pthread's call
      // (shutdown, close) caused the change
      var mode = SOCKBRIDGE.threadMode;
      SOCKBRIDGE.threadMode = 0;
      try {
        for (var i = 0; i < w.length; i++) {
          if (!w[i].done && !w[i].check()) SOCKBRIDGE.waiters.push(w[i]);
        }
      } finally {
        SOCKBRIDGE.threadMode = mode;
      }
#if USE_PTHREADS
      SOCKBRIDGE.wake();
#endif
    },

#if USE_PTHREADS
    // Pthreads that wait in a blocking call sleep on one word of the shared heap (in
    // sockbridge_socket.c); every change bumps it and wakes them to ask again.
    wake: function() {
      var word = SOCKBRIDGE.wakeWord;
      if (!word) return;
      Atomics.add(HEAP32, word, 1);
      Atomics.notify(HEAP32, word);
    },

    // In a pthread: asks the main thread (call(1), proxied, never sleeps there); while the answer
    // is BLOCKED, waits on the wake word until something changes or timeoutMs (a number, or a
    // function asked once, when the call first blocks; < 0: no limit) pass, then asks again
    // (retry(1) if given: a connect that is under way is not started again). At the timeout the
    // last try, (retry || call)(2), answers as a non-blocking call would (EAGAIN, poll's 0).
    // Atomics.wait has no EINTR: the wait simply resumes until the deadline.
    blockInThread: function(call, timeoutMs, retry) {
      var word = SOCKBRIDGE.wakeWord || (SOCKBRIDGE.wakeWord = _sockbridge_wake_word() >> 2);
      var next = call;
      var deadline = null;
      for (;;) {
        // read before asking: a change after the answer makes the wait below return at once
        var seen = Atomics.load(HEAP32, word);
        var r = next(1);
        if (r !== SOCKBRIDGE.BLOCKED) return r;
        next = retry || call;
        if (deadline === null) {
          var t = typeof timeoutMs == 'function' ? timeoutMs() : timeoutMs;
          deadline = t < 0 ? Infinity : performance.now() + t;
        }
        var left = deadline - performance.now();
        if (left <= 0) return next(2);
        Atomics.wait(HEAP32, word, seen, left === Infinity ? Infinity : left);
      }
    },

    // a socket's SO_RCVTIMEO ('rcvTimeo') or SO_SNDTIMEO, asked of the main thread
    timeoOf: function(fd, which) {
      return function() { return _sockbridge_timeo(fd, which === 'rcvTimeo' ? 0 : 1); };
    },
#endif

    timevalMs: function(tv) {
      return {{{ makeGetValue('tv', C_STRUCTS.timeval.tv_sec, 'i32') }}} * 1000 + Math.floor({{{ makeGetValue('tv', C_STRUCTS.timeval.tv_usec, 'i32') }}} / 1000);
    },

    // runs fn() as a call in threadMode mode (see threadMode)
    inMode: function(mode, fn) {
      if (!mode) return fn();
      var was = SOCKBRIDGE.threadMode;
      SOCKBRIDGE.threadMode = mode;
      try {
        return fn();
      } finally {
        SOCKBRIDGE.threadMode = was;
      }
    },

    // what a call that would block answers in thread mode (BLOCKED, or its non-blocking answer on the
    // last try), or undefined on the main thread
    threadAnswer: function(nonBlockingAnswer) {
      if (SOCKBRIDGE.threadMode === 1) return SOCKBRIDGE.BLOCKED;
      if (SOCKBRIDGE.threadMode === 2) return nonBlockingAnswer;
      return undefined;
    },

    // Calls check() on every change until it returns true, or onTimeout after timeoutMs (< 0: never).
    waitFor: function(check, timeoutMs, onTimeout) {
      var w = { done: false, timer: null };
      w.check = function() {
        if (w.done) return true;
        if (check()) {
          w.done = true;
          if (w.timer) clearTimeout(w.timer);
          return true;
        }
        return false;
      };
      if (timeoutMs >= 0) {
        w.timer = setTimeout(function() {
          if (w.done) return;
          w.done = true;
          onTimeout();
        }, timeoutMs);
      }
      SOCKBRIDGE.waiters.push(w);
    },

    isNonBlocking: function(sock, flags) {
      var nb = !sock || !!(sock.stream.flags & {{{ cDefine('O_NONBLOCK') }}}) || !!(flags & 0x40 /* MSG_DONTWAIT */);
      // a pthread can always wait (blockInThread)
      if (SOCKBRIDGE.threadMode) return nb;
#if ASYNCIFY
      return nb;
#else
      // without ASYNCIFY the main thread cannot wait: every socket behaves as SOCKFS's, non-blocking
      return true;
#endif
    },

    // Runs attempt() (returns a result, or throws FS.ErrnoError); when it would block (EAGAIN) on a
    // blocking socket of an ASYNCIFY build, sleeps until a change makes it succeed, or the timeout.
    run: function(sock, flags, attempt, timeoutMs) {
#if ASYNCIFY
      if (!SOCKBRIDGE.threadMode && Asyncify.state === Asyncify.State.Rewinding) return Asyncify.handleSleep(function() {});
#endif
      var r = SOCKBRIDGE.attempt(attempt);
      if (r !== -{{{ cDefine('EAGAIN') }}} || SOCKBRIDGE.isNonBlocking(sock, flags)) return r;
      if (SOCKBRIDGE.threadMode) return SOCKBRIDGE.threadAnswer(r);
#if ASYNCIFY
      return Asyncify.handleSleep(function(wakeUp) {
        SOCKBRIDGE.waitFor(function() {
          var r = SOCKBRIDGE.attempt(attempt);
          if (r === -{{{ cDefine('EAGAIN') }}}) return false;
          wakeUp(r);
          return true;
        }, timeoutMs === undefined ? -1 : timeoutMs, function() { wakeUp(-{{{ cDefine('EAGAIN') }}}); });
      });
#else
      return r;
#endif
    },

    // run() of attempt(socket) on fd's socket, waiting at most the socket's SO_RCVTIMEO or SO_SNDTIMEO
    // (`timeo`: 'rcvTimeo' or 'sndTimeo')
    runOn: function(fd, flags, timeo, attempt) {
      var sock = SOCKFS.getSocket(fd);
      return SOCKBRIDGE.run(sock, flags, function() {
        return attempt(SOCKBRIDGE.getSocket(fd));
      }, sock ? sock.sb[timeo] : -1);
    },

    // bind, connect and listen: start()'s answer (0 or -errno), or, in an ASYNCIFY build where
    // sleeper(socket, answer) gives a function(wakeUp), what that wakes the program with (the
    // proxy's answer, a blocking connect's end)
    startThenSleep: function(fd, start, sleeper, threadWait) {
#if ASYNCIFY
      if (!SOCKBRIDGE.threadMode && Asyncify.state === Asyncify.State.Rewinding) return Asyncify.handleSleep(function() {});
#endif
      var r = start();
      // a pthread waits for the same thing through blockInThread (threadWait(socket, answer) says
      // whether there is something to wait for)
      if (SOCKBRIDGE.threadMode) {
        var sock = SOCKFS.getSocket(fd);
        return sock && sock.sb && threadWait(sock, r) ? SOCKBRIDGE.threadAnswer(r) : r;
      }
#if ASYNCIFY
      var sleep = sleeper(SOCKFS.getSocket(fd), r);
      if (sleep) return Asyncify.handleSleep(sleep);
#endif
      return r;
    },

    // bind or connect (sock_ops[op]) of fd's socket to the program's sockaddr: 0 or -errno
    toAddress: function(fd, addr, addrlen, op) {
      return SOCKBRIDGE.attempt(function() {
        var sock = SOCKBRIDGE.getSocket(fd);
        var info = getSocketAddress(addr, addrlen);
        sock.sock_ops[op](sock, info.addr, info.port);
        return 0;
      });
    },

#if ASYNCIFY
    // poll and select: sleeps until scan() finds a ready descriptor or timeoutMs pass (< 0: never),
    // then returns done(what the last scan() found)
    sleepScan: function(scan, timeoutMs, done) {
      return Asyncify.handleSleep(function(wakeUp) {
        SOCKBRIDGE.waitFor(function() {
          var k = scan();
          if (!k) return false;
          wakeUp(done(k));
          return true;
        }, timeoutMs, function() { wakeUp(done(scan())); });
      });
    },

#endif
    attempt: function(fn) {
      try {
        return fn();
      } catch (e) {
        if (typeof FS == 'undefined' || !(e instanceof FS.ErrnoError)) throw e;
        return -e.errno;
      }
    },

    fail: function(errno) {
      throw new FS.ErrnoError(errno);
    },

    // the socket's pending error, if it has one, fails this call (once: as SO_ERROR, it is then cleared)
    failPending: function(sock) {
      var e = sock.error;
      if (e) {
        sock.error = null;
        SOCKBRIDGE.fail(e);
      }
    },

    // TCP send and receive: fails the call on a socket that is not connected (ENOTCONN, or EAGAIN
    // while it connects); after a failed connect, fails it with the connect's error once, then
    // returns true (the caller's answer from then on: EPIPE, end of stream)
    requireConnected: function(sock) {
      switch (sock.sb.state) {
        case 'new':
        case 'listening': SOCKBRIDGE.fail({{{ cDefine('ENOTCONN') }}});
        case 'connecting': SOCKBRIDGE.fail({{{ cDefine('EAGAIN') }}});
        case 'failed':
          SOCKBRIDGE.failPending(sock);
          return true;
      }
      return false;
    },

    // a failed connect is reported once (its error, else ECONNREFUSED) and leaves the socket free
    // to connect again; returns the errno
    connectError: function(sock) {
      var e = sock.error || {{{ cDefine('ECONNREFUSED') }}};
      sock.error = null;
      sock.sb.state = 'new';
      return e;
    },

    // ---- sockets ----
    getSocket: function(fd) {
      var sock = SOCKFS.getSocket(fd);
      if (!sock) {
        if (!FS.getStream(fd)) SOCKBRIDGE.fail({{{ cDefine('EBADF') }}});
        SOCKBRIDGE.fail({{{ cDefine('ENOTSOCK') }}});
      }
      return sock;
    },

    create: function(family, type, protocol) {
      var nonblock = type & {{{ cDefine('SOCK_NONBLOCK') }}};
      var base = type & ~({{{ cDefine('SOCK_CLOEXEC') }}} | {{{ cDefine('SOCK_NONBLOCK') }}});
      if (family !== {{{ cDefine('AF_INET') }}} && family !== {{{ cDefine('AF_INET6') }}}) SOCKBRIDGE.fail({{{ cDefine('EAFNOSUPPORT') }}});
      if (base !== {{{ cDefine('SOCK_STREAM') }}} && base !== {{{ cDefine('SOCK_DGRAM') }}}) SOCKBRIDGE.fail({{{ cDefine('EPROTONOSUPPORT') }}});
      if (protocol && protocol !== (base === {{{ cDefine('SOCK_STREAM') }}} ? {{{ cDefine('IPPROTO_TCP') }}} : {{{ cDefine('IPPROTO_UDP') }}})) {
        SOCKBRIDGE.fail({{{ cDefine('EPROTONOSUPPORT') }}});
      }
      var sock = SOCKFS.createSocket(family, base, protocol);
      sock.sock_ops = SOCKBRIDGE.sock_ops;
      if (nonblock) sock.stream.flags |= {{{ cDefine('O_NONBLOCK') }}};
      sock.sb = {
        state: 'new',      // new | connecting | connected | failed | listening | closed
        tcp: null, udp: null, udpOpening: null, listener: null,
        rq: [], rqBytes: 0, eof: false, pumping: false, resume: null,
        inflight: 0, shutRd: false, shutWr: false,
        pendingSends: [], accepted: [],
        opts: {}, rcvTimeo: -1, sndTimeo: -1, bindError: 0
      };
      return sock;
    },

    // The wire address for the program's address: names behind Emscripten's fake DNS addresses
    // (172.29.x.y) go to the proxy as names, which it resolves under its policy; mapAddress (a page's
    // own routing) comes last.
    target: function(addr, port) {
      var host = DNS.lookup_addr(addr) || addr;
      var map = Module['sockbridge'] && Module['sockbridge']['mapAddress'];
      if (map) {
        var m = map(host, port);
        if (m) return { host: m.host, port: m.port };
      }
      return { host: host, port: port };
    },

    familyOf: function(sock) {
      return sock.family;
    },

    checkSession: function() {
      if (!SOCKBRIDGE.session || SOCKBRIDGE.session.isClosed) SOCKBRIDGE.fail(SOCKBRIDGE.sessionError || {{{ cDefine('ENETDOWN') }}});
      return SOCKBRIDGE.session;
    },

    // TCP: reads the session's pushed chunks into the program's queue while it stays under RECV_HIGH
    pump: function(sock) {
      var sb = sock.sb;
      if (sb.pumping) return;
      sb.pumping = true;
      var step = function() {
        if (sb.state === 'closed' || sb.eof || sb.shutRd) { sb.pumping = false; return; }
        if (sb.rqBytes >= SOCKBRIDGE.RECV_HIGH) { sb.resume = step; return; }
        sb.tcp.read().then(function(chunk) {
          if (sb.state === 'closed') return;
          if (chunk === null) {
            sb.eof = true;
            sb.pumping = false;
            SOCKBRIDGE.changed(sock, 'close');
            return;
          }
          if (chunk.length) {
            sb.rq.push(chunk);
            sb.rqBytes += chunk.length;
            SOCKBRIDGE.changed(sock, 'message');
          }
          step();
        }, function(e) {
          sb.eof = true;
          sb.pumping = false;
          if (sb.state === 'closed') return;
          SOCKBRIDGE.failed(sock, e);
        });
      };
      step();
    },

    startConnect: function(sock, addr, port) {
      var sb = sock.sb;
      var session = SOCKBRIDGE.checkSession();
      var t = SOCKBRIDGE.target(addr, port);
      sock.daddr = addr;
      sock.dport = port;
      sb.state = 'connecting';
      SOCKBRIDGE.stats.connects++;
      session.connect(t.host, t.port, { family: sock.family, noDelay: !!sb.opts.nodelay }).then(function(tcp) {
        if (sb.state === 'closed') { tcp.close().catch(function() {}); return; }
        sb.tcp = tcp;
        // connected once getsockname's answer is known too, so the program never sees port 0
        var opened = function() {
          if (sb.state !== 'connecting') return;
          sb.state = 'connected';
          SOCKBRIDGE.pump(sock);
          SOCKBRIDGE.changed(sock, 'open');
        };
        tcp.localAddress().then(function(a) {
          sock.saddr = a.host;
          sock.sport = a.port;
          opened();
        }, opened);
      }, function(e) {
        if (sb.state === 'closed') return;
        sb.state = 'failed';
        SOCKBRIDGE.failed(sock, e);
      });
    },

    // UDP: the proxy-side socket is opened on bind or first use; datagrams sent before it exists wait
    udpOpen: function(sock) {
      var sb = sock.sb;
      if (sb.udp || sb.udpOpening) return;
      var session = SOCKBRIDGE.checkSession();
      var cfg = Module['sockbridge'] || {};
      var opts = { family: sock.family, datagrams: cfg['datagrams'] !== undefined ? cfg['datagrams'] : 'auto' };
      // bind(INADDR_ANY, 0), which game clients do before their first sendto, asks for nothing the
      // proxy's first send does not do anyway; passing it on would meet a policy refusing wildcard binds
      var wildcardAny = (sock.saddr === '0.0.0.0' || sock.saddr === '::') && !sock.sport;
      if (sock.saddr !== undefined && sock.sport !== undefined && !wildcardAny) opts.bind = { host: sock.saddr, port: sock.sport };
      sb.udpOpening = session.udp(opts).then(function(udp) {
        if (sb.state === 'closed') { udp.close().catch(function() {}); return; }
        sb.udp = udp;
        udp.onMessage(function(data, from) {
          if (sb.shutRd) return;
          if (sb.rq.length >= SOCKBRIDGE.MAX_QUEUED_DATAGRAMS) { SOCKBRIDGE.stats.datagramsDropped++; return; }
          SOCKBRIDGE.stats.datagramsReceived++;
          // a copy: the client's bytes may be a view of a frame it reuses
          sb.rq.push({ data: data.slice(), host: from.host, port: from.port });
          SOCKBRIDGE.changed(sock, 'message');
        });
        udp.onerror = function(e) { SOCKBRIDGE.failed(sock, e); };
        var queued = sb.pendingSends;
        sb.pendingSends = [];
        for (var i = 0; i < queued.length; i++) SOCKBRIDGE.udpSend(sock, queued[i].data, queued[i].to);
        SOCKBRIDGE.udpLocal(sock);
        // as SOCKFS says 'open' when a UDP peer's WebSocket opens: the socket can now reach the network
        SOCKBRIDGE.changed(sock, 'open');
      }, function(e) {
        sb.udpOpening = null;
        sb.bindError = SOCKBRIDGE.errnoOf(e);
        SOCKBRIDGE.failed(sock, e);
      });
    },

    udpLocal: function(sock) {
      sock.sb.udp.localAddress().then(function(a) {
        if (a && a.port) {
          sock.saddr = a.host;
          sock.sport = a.port;
        }
        sock.sb.localKnown = true;
        SOCKBRIDGE.changed(sock);
      }, function() {
        sock.sb.localKnown = true;
        SOCKBRIDGE.changed(sock);
      });
    },

    udpSend: function(sock, data, to) {
      var sb = sock.sb;
      var first = !sock.sport;
      SOCKBRIDGE.stats.datagramsSent++;
      sb.udp.sendTo(data, to.host, to.port).then(function() {
        if (first) SOCKBRIDGE.udpLocal(sock);
      }, function(e) {
        // UDP: a failed send is reported like an ICMP error, on the next call
        SOCKBRIDGE.failed(sock, e);
      });
    },

    takeStream: function(sb, length) {
      var out = new Uint8Array(Math.min(length, sb.rqBytes));
      var n = 0;
      while (n < out.length) {
        var c = sb.rq[0];
        var k = Math.min(c.length, out.length - n);
        out.set(c.subarray(0, k), n);
        n += k;
        if (k === c.length) sb.rq.shift();
        else sb.rq[0] = c.subarray(k);
      }
      sb.rqBytes -= n;
      if (sb.resume && sb.rqBytes < SOCKBRIDGE.RECV_HIGH / 2) {
        var r = sb.resume;
        sb.resume = null;
        r();
      }
      return out;
    },

    // a msghdr's buffers: {list: [{base, len}], total}
    iovecs: function(message) {
      var iov = {{{ makeGetValue('message', C_STRUCTS.msghdr.msg_iov, '*') }}};
      var num = {{{ makeGetValue('message', C_STRUCTS.msghdr.msg_iovlen, 'i32') }}};
      var list = [];
      var total = 0;
      for (var i = 0; i < num; i++) {
        var base = {{{ makeGetValue('iov', '(' + C_STRUCTS.iovec.__size__ + ' * i) + ' + C_STRUCTS.iovec.iov_base, '*') }}};
        var len = {{{ makeGetValue('iov', '(' + C_STRUCTS.iovec.__size__ + ' * i) + ' + C_STRUCTS.iovec.iov_len, 'i32') }}};
        list.push({ base: base, len: len });
        total += len;
      }
      return { list: list, total: total };
    },

    // ---- SOCKFS sock_ops: read/write/poll/ioctl/close of the fd table come through here ----
    sock_ops: {
      poll: function(sock) {
        var sb = sock.sb;
        var mask = 0;
        if (sock.type === {{{ cDefine('SOCK_DGRAM') }}}) {
          mask |= {{{ cDefine('POLLOUT') }}};
          if (sb.rq.length) mask |= {{{ cDefine('POLLIN') }}} | {{{ cDefine('POLLRDNORM') }}};
          if (sock.error || SOCKBRIDGE.session && SOCKBRIDGE.session.isClosed) mask |= {{{ cDefine('POLLERR') }}};
          return mask;
        }
        switch (sb.state) {
          case 'listening':
            if (sb.accepted.length) mask |= {{{ cDefine('POLLIN') }}} | {{{ cDefine('POLLRDNORM') }}};
            break;
          case 'connecting':
            break;
          case 'connected':
            if (sb.rqBytes || sb.eof || sb.shutRd) mask |= {{{ cDefine('POLLIN') }}} | {{{ cDefine('POLLRDNORM') }}};
            if (sb.eof) mask |= 0x2000 /* POLLRDHUP */;
            if (!sb.shutWr && !sb.eof && sb.inflight < SOCKBRIDGE.SEND_WINDOW) mask |= {{{ cDefine('POLLOUT') }}};
            if (sb.eof && (sb.shutWr || sock.error)) mask |= {{{ cDefine('POLLHUP') }}};
            if (sock.error) mask |= {{{ cDefine('POLLERR') }}};
            break;
          case 'failed':
            // as SOCKFS: readable (recv reports the error, then 0) and writable, with the error flags
            mask |= {{{ cDefine('POLLIN') }}} | {{{ cDefine('POLLOUT') }}} | {{{ cDefine('POLLHUP') }}};
            if (sock.error) mask |= {{{ cDefine('POLLERR') }}};
            break;
          case 'new':
            mask |= {{{ cDefine('POLLOUT') }}} | {{{ cDefine('POLLHUP') }}};
            break;
          default:
            mask |= {{{ cDefine('POLLNVAL') }}};
        }
        return mask;
      },

      ioctl: function(sock, request, arg) {
        if (request === {{{ cDefine('FIONREAD') }}}) {
          var n = sock.type === {{{ cDefine('SOCK_DGRAM') }}} ? (sock.sb.rq.length ? sock.sb.rq[0].data.length : 0) : sock.sb.rqBytes;
          {{{ makeSetValue('arg', 0, 'n', 'i32') }}};
          return 0;
        }
        return -{{{ cDefine('EINVAL') }}};
      },

      close: function(sock) {
        var sb = sock.sb;
        if (sb.state === 'closed') return 0;
        var was = sb.state;
        sb.state = 'closed';
        sb.rq = [];
        sb.rqBytes = 0;
        if (sb.tcp) {
          var tcp = sb.tcp;
          // POSIX close: what was written is still delivered, then FIN
          (sb.shutWr ? Promise.resolve() : tcp.end()).catch(function() {}).then(function() { return tcp.close(); }).catch(function() {});
        }
        if (sb.udpOpening) sb.udpOpening.then(function() { if (sb.udp) sb.udp.close().catch(function() {}); });
        if (sb.listener) {
          sb.listener.close().catch(function() {});
          for (var i = 0; i < sb.accepted.length; i++) sb.accepted[i].close().catch(function() {});
          sb.accepted = [];
        }
        if (was !== 'new') SOCKBRIDGE.changed(sock, 'close');
        return 0;
      },

      bind: function(sock, addr, port) {
        var sb = sock.sb;
        if (sock.sport !== undefined || sb.state !== 'new' || sb.udp || sb.udpOpening) SOCKBRIDGE.fail({{{ cDefine('EINVAL') }}});
        sock.saddr = addr;
        sock.sport = port;
        if (sock.type === {{{ cDefine('SOCK_DGRAM') }}}) SOCKBRIDGE.udpOpen(sock);
      },

      connect: function(sock, addr, port) {
        var sb = sock.sb;
        if (sock.type === {{{ cDefine('SOCK_DGRAM') }}}) {
          // UDP connect only sets the default destination and the accepted source
          sock.daddr = addr;
          sock.dport = port;
          SOCKBRIDGE.udpOpen(sock);
          return;
        }
        switch (sb.state) {
          case 'connecting': SOCKBRIDGE.fail({{{ cDefine('EALREADY') }}});
          case 'connected': SOCKBRIDGE.fail({{{ cDefine('EISCONN') }}});
          case 'listening': SOCKBRIDGE.fail({{{ cDefine('EINVAL') }}});
          case 'failed': SOCKBRIDGE.fail(SOCKBRIDGE.connectError(sock));
        }
        SOCKBRIDGE.startConnect(sock, addr, port);
        SOCKBRIDGE.fail({{{ cDefine('EINPROGRESS') }}});
      },

      listen: function(sock, backlog) {
        var sb = sock.sb;
        if (sock.type !== {{{ cDefine('SOCK_STREAM') }}}) SOCKBRIDGE.fail({{{ cDefine('EOPNOTSUPP') }}});
        if (sb.state === 'listening') return;
        if (sb.state !== 'new') SOCKBRIDGE.fail({{{ cDefine('EINVAL') }}});
        var session = SOCKBRIDGE.checkSession();
        sb.state = 'listening';
        sb.backlog = Math.max(1, Math.min(backlog || 16, 1024));
        var host = sock.saddr !== undefined ? (DNS.lookup_addr(sock.saddr) || sock.saddr) : (sock.family === {{{ cDefine('AF_INET6') }}} ? '::' : '0.0.0.0');
        sb.listening = session.listen({ host: host, port: sock.sport || 0, backlog: sb.backlog }).then(function(l) {
          if (sb.state === 'closed') { l.close().catch(function() {}); return; }
          sb.listener = l;
          sock.saddr = l.address.host;
          sock.sport = l.address.port;
          var next = function() {
            if (sb.state === 'closed') return;
            if (sb.accepted.length >= sb.backlog) { sb.resume = next; return; }
            l.accept().then(function(tcp) {
              if (!tcp) return;
              if (sb.state === 'closed') { tcp.close().catch(function() {}); return; }
              sb.accepted.push(tcp);
              SOCKBRIDGE.changed(sock, 'connection');
              next();
            }, function(e) {
              SOCKBRIDGE.failed(sock, e);
            });
          };
          next();
          SOCKBRIDGE.changed(sock, 'listen');
        }, function(e) {
          sb.state = 'new';
          sb.bindError = SOCKBRIDGE.errnoOf(e);
          SOCKBRIDGE.failed(sock, e);
        });
      },

      accept: function(sock) {
        var sb = sock.sb;
        if (sb.state !== 'listening') SOCKBRIDGE.fail({{{ cDefine('EINVAL') }}});
        if (!sb.accepted.length) {
          if (sb.bindError) SOCKBRIDGE.fail(sb.bindError);
          SOCKBRIDGE.fail({{{ cDefine('EAGAIN') }}});
        }
        var tcp = sb.accepted.shift();
        if (sb.resume) { var r = sb.resume; sb.resume = null; r(); }
        var ns = SOCKBRIDGE.create(sock.family, {{{ cDefine('SOCK_STREAM') }}}, 0);
        ns.sb.tcp = tcp;
        ns.sb.state = 'connected';
        ns.saddr = sock.saddr;
        ns.sport = sock.sport;
        ns.daddr = tcp.remoteAddress ? tcp.remoteAddress.host : '0.0.0.0';
        ns.dport = tcp.remoteAddress ? tcp.remoteAddress.port : 0;
        SOCKBRIDGE.pump(ns);
        return ns;
      },

      sendmsg: function(sock, buffer, offset, length, addr, port) {
        var sb = sock.sb;
        if (sb.state === 'closed') SOCKBRIDGE.fail({{{ cDefine('EBADF') }}});
        if (sock.type === {{{ cDefine('SOCK_DGRAM') }}}) {
          if (addr === undefined) {
            if (sock.daddr === undefined) SOCKBRIDGE.fail({{{ cDefine('EDESTADDRREQ') }}});
            addr = sock.daddr;
            port = sock.dport;
          }
          if (length > 65507) SOCKBRIDGE.fail({{{ cDefine('EMSGSIZE') }}});
          SOCKBRIDGE.failPending(sock);
          var data = new Uint8Array(buffer.buffer, buffer.byteOffset + offset, length).slice();
          var to = SOCKBRIDGE.target(addr, port);
          SOCKBRIDGE.udpOpen(sock);
          if (sb.udp) {
            SOCKBRIDGE.udpSend(sock, data, to);
          } else {
            if (sb.pendingSends.length >= SOCKBRIDGE.MAX_QUEUED_DATAGRAMS) SOCKBRIDGE.fail({{{ cDefine('EAGAIN') }}});
            sb.pendingSends.push({ data: data, to: to });
          }
          return length;
        }
        if (addr !== undefined && sb.state !== 'connected') SOCKBRIDGE.fail({{{ cDefine('ENOTCONN') }}});
        if (SOCKBRIDGE.requireConnected(sock)) SOCKBRIDGE.fail({{{ cDefine('EPIPE') }}});
        SOCKBRIDGE.failPending(sock);
        if (sb.shutWr || sb.eof && sb.tcp == null) SOCKBRIDGE.fail({{{ cDefine('EPIPE') }}});
        var room = SOCKBRIDGE.SEND_WINDOW - sb.inflight;
        if (room <= 0) SOCKBRIDGE.fail({{{ cDefine('EAGAIN') }}});
        var n = Math.min(length, room);
        if (n === 0) return 0;
        var bytes = new Uint8Array(buffer.buffer, buffer.byteOffset + offset, n).slice();
        sb.inflight += n;
        sb.tcp.write(bytes).then(function() {
          sb.inflight -= n;
          SOCKBRIDGE.changed(sock);
        }, function(e) {
          sb.inflight -= n;
          if (sb.state === 'closed') return;
          SOCKBRIDGE.failed(sock, e);
        });
        return n;
      },

      recvmsg: function(sock, length) {
        var sb = sock.sb;
        if (sock.type === {{{ cDefine('SOCK_DGRAM') }}}) {
          if (sb.shutRd) return null;
          while (sb.rq.length) {
            var d = sb.rq.shift();
            // a connected UDP socket takes datagrams from its peer only
            if (sock.daddr !== undefined && !SOCKBRIDGE.samePeer(sock, d)) continue;
            var buf = d.data.length > length ? d.data.subarray(0, length) : d.data;
            return { buffer: buf, addr: d.host, port: d.port, truncated: d.data.length > length };
          }
          SOCKBRIDGE.failPending(sock);
          if (sb.state === 'closed') SOCKBRIDGE.fail({{{ cDefine('EBADF') }}});
          if (SOCKBRIDGE.session && SOCKBRIDGE.session.isClosed) SOCKBRIDGE.fail({{{ cDefine('ENETDOWN') }}});
          SOCKBRIDGE.fail({{{ cDefine('EAGAIN') }}});
        }
        if (SOCKBRIDGE.requireConnected(sock)) return null;
        if (sb.rqBytes) {
          var out = SOCKBRIDGE.takeStream(sb, length);
          return { buffer: out, addr: sock.daddr, port: sock.dport };
        }
        SOCKBRIDGE.failPending(sock);
        if (sb.eof || sb.shutRd || sb.state === 'closed') return null;
        SOCKBRIDGE.fail({{{ cDefine('EAGAIN') }}});
      }
    },

    samePeer: function(sock, d) {
      var t = SOCKBRIDGE.target(sock.daddr, sock.dport);
      return d.port === t.port && (d.host === t.host || d.host === sock.daddr);
    },

    // fills a sockaddr for the program; names the program never saw come back as fake DNS addresses
    writeAddr: function(sock, addrp, addrlenp, host, port) {
      if (!addrp) return;
      var a = host || (sock.family === {{{ cDefine('AF_INET6') }}} ? '::' : '0.0.0.0');
      if (inetPton4(a) === null && inetPton6(a) === null) a = DNS.lookup_name(a);
      var fam = sock.family;
      if (fam === {{{ cDefine('AF_INET') }}} && inetPton4(a) === null) a = '0.0.0.0';
      if (fam === {{{ cDefine('AF_INET6') }}} && inetPton6(a) === null) a = '::ffff:' + a;
      writeSockaddr(addrp, fam, a, port || 0, addrlenp);
    }
  },

  // Emscripten's sockaddr and DNS helpers call htons/ntohs, which only come from libc when the
  // program's own calls pull them in (deps_info.py); programs that only sendto/recvfrom would not link.
  // Used only when the compiled code does not export its own.
  htons__sig: 'ii',
  htons: function(x) {
    return ((x & 0xff) << 8) | ((x >> 8) & 0xff);
  },
  ntohs__sig: 'ii',
  ntohs: function(x) {
    return ((x & 0xff) << 8) | ((x >> 8) & 0xff);
  },

  // ---- the system calls (the ones SOCKFS implements, plus shutdown, real getsockopt/setsockopt,
  // FIONBIO, and waiting select/poll) ----
  __syscall_socket__deps: ['$SOCKBRIDGE'],
  __syscall_socket__proxy: 'sync',
  __syscall_socket: function(domain, type, protocol) {
    return SOCKBRIDGE.attempt(function() {
      return SOCKBRIDGE.create(domain, type, protocol).stream.fd;
    });
  },

  __syscall_socketpair__deps: ['$SOCKBRIDGE'],
  __syscall_socketpair__proxy: 'sync',
  __syscall_socketpair: function() {
    return -{{{ cDefine('EOPNOTSUPP') }}};
  },

  // The calls that may block come in two parts: __syscall_X runs on the calling thread (in a
  // pthread it waits there, blockInThread), sockbridge_X(mode, ...) runs on the main thread, where
  // the session is, and answers one try (pthreads' tries are proxied to it). __proxy: false undoes
  // the proxying that library_syscall.js gives every syscall.
  __syscall_bind__deps: ['$SOCKBRIDGE', 'sockbridge_bind', 'sockbridge_bind_wait'],
  __syscall_bind__proxy: false,
  __syscall_bind: function(fd, addr, addrlen) {
#if USE_PTHREADS
    if (ENVIRONMENT_IS_PTHREAD) {
      return SOCKBRIDGE.blockInThread(function(mode) { return _sockbridge_bind(mode, fd, addr, addrlen); }, -1,
        function(mode) { return _sockbridge_bind_wait(mode, fd); });
    }
#endif
    return _sockbridge_bind(0, fd, addr, addrlen);
  },
  // a pthread's UDP bind, waiting for the proxy's answer: 0 once open and its port is known
  sockbridge_bind_wait__deps: ['$SOCKBRIDGE'],
  sockbridge_bind_wait__proxy: 'sync',
  sockbridge_bind_wait: function(mode, fd) {
    var sock = SOCKFS.getSocket(fd);
    if (!sock || !sock.sb) return -{{{ cDefine('EBADF') }}};
    var sb = sock.sb;
    if (sb.bindError) return -sb.bindError;
    if (sb.udp && (sock.sport || sb.localKnown) || mode === 2 || sb.state === 'closed') return 0;
    return SOCKBRIDGE.BLOCKED;
  },
  sockbridge_bind__deps: ['$SOCKBRIDGE'],
  sockbridge_bind__proxy: 'sync',
  sockbridge_bind: function(mode, fd, addr, addrlen) {
    return SOCKBRIDGE.inMode(mode, function() { return SOCKBRIDGE.startThenSleep(fd, function() {
      return SOCKBRIDGE.toAddress(fd, addr, addrlen, 'bind');
    }, function(sock, r) {
      // a UDP bind happens on the proxy now: wait for its answer (EADDRINUSE, EACCES, the port)
      if (r !== 0 || sock.type !== {{{ cDefine('SOCK_DGRAM') }}} || !sock.sb.udpOpening) return null;
      return function(wakeUp) {
        sock.sb.udpOpening.then(function() {
          var s = sock.sb;
          var done = function() { wakeUp(s.bindError ? -s.bindError : 0); };
          if (s.udp && !sock.sport) SOCKBRIDGE.waitFor(function() { if (!sock.sport) return false; done(); return true; }, 2000, done);
          else done();
        });
      };
    }, function(sock, r) {
      return r === 0 && sock.type === {{{ cDefine('SOCK_DGRAM') }}} && !!sock.sb.udpOpening;
    }); });
  },

  __syscall_connect__deps: ['$SOCKBRIDGE', 'sockbridge_connect', 'sockbridge_connect_wait', 'sockbridge_timeo'],
  __syscall_connect__proxy: false,
  __syscall_connect: function(fd, addr, addrlen) {
#if USE_PTHREADS
    // as Linux: SO_SNDTIMEO limits a blocking connect (then EINPROGRESS; it goes on in the background)
    if (ENVIRONMENT_IS_PTHREAD) {
      return SOCKBRIDGE.blockInThread(function(mode) { return _sockbridge_connect(mode, fd, addr, addrlen); },
        SOCKBRIDGE.timeoOf(fd, 'sndTimeo'), function(mode) { return _sockbridge_connect_wait(mode, fd); });
    }
#endif
    return _sockbridge_connect(0, fd, addr, addrlen);
  },
  // a pthread's blocking connect, once started: 0 when connected, its error when it failed
  sockbridge_connect_wait__deps: ['$SOCKBRIDGE'],
  sockbridge_connect_wait__proxy: 'sync',
  sockbridge_connect_wait: function(mode, fd) {
    var sock = SOCKFS.getSocket(fd);
    if (!sock || !sock.sb) return -{{{ cDefine('EBADF') }}};
    switch (sock.sb.state) {
      case 'connecting': return mode === 2 ? -{{{ cDefine('EINPROGRESS') }}} : SOCKBRIDGE.BLOCKED;
      case 'connected': return 0;
      case 'failed': return -SOCKBRIDGE.connectError(sock);
      case 'closed': return -{{{ cDefine('EBADF') }}};
    }
    return -{{{ cDefine('ECONNABORTED') }}};
  },
  sockbridge_connect__deps: ['$SOCKBRIDGE'],
  sockbridge_connect__proxy: 'sync',
  sockbridge_connect: function(mode, fd, addr, addrlen) {
    return SOCKBRIDGE.inMode(mode, function() { return SOCKBRIDGE.startThenSleep(fd, function() {
      return SOCKBRIDGE.toAddress(fd, addr, addrlen, 'connect');
    }, function(sock, r) {
      if (r !== -{{{ cDefine('EINPROGRESS') }}} || SOCKBRIDGE.isNonBlocking(sock, 0)) return null;
      return function(wakeUp) {
        SOCKBRIDGE.waitFor(function() {
          var sb = sock.sb;
          if (sb.state === 'connecting') return false;
          wakeUp(sb.state === 'connected' ? 0 : -SOCKBRIDGE.connectError(sock));
          return true;
        }, -1, function() {});
      };
    }, function(sock, r) {
      return r === -{{{ cDefine('EINPROGRESS') }}} && !SOCKBRIDGE.isNonBlocking(sock, 0);
    }); });
  },

  __syscall_listen__deps: ['$SOCKBRIDGE', 'sockbridge_listen', 'sockbridge_listen_wait'],
  __syscall_listen__proxy: false,
  __syscall_listen: function(fd, backlog) {
#if USE_PTHREADS
    if (ENVIRONMENT_IS_PTHREAD) {
      return SOCKBRIDGE.blockInThread(function(mode) { return _sockbridge_listen(mode, fd, backlog); }, -1,
        function(mode) { return _sockbridge_listen_wait(mode, fd); });
    }
#endif
    return _sockbridge_listen(0, fd, backlog);
  },
  // a pthread's listen, waiting for the proxy's answer (so getsockname knows the port)
  sockbridge_listen_wait__deps: ['$SOCKBRIDGE'],
  sockbridge_listen_wait__proxy: 'sync',
  sockbridge_listen_wait: function(mode, fd) {
    var sock = SOCKFS.getSocket(fd);
    if (!sock || !sock.sb) return -{{{ cDefine('EBADF') }}};
    var sb = sock.sb;
    if (sb.state !== 'listening') return -(sb.bindError || {{{ cDefine('EADDRINUSE') }}});
    return sb.listener || mode === 2 ? 0 : SOCKBRIDGE.BLOCKED;
  },
  sockbridge_listen__deps: ['$SOCKBRIDGE'],
  sockbridge_listen__proxy: 'sync',
  sockbridge_listen: function(mode, fd, backlog) {
    return SOCKBRIDGE.inMode(mode, function() { return SOCKBRIDGE.startThenSleep(fd, function() {
      return SOCKBRIDGE.attempt(function() {
        var sock = SOCKBRIDGE.getSocket(fd);
        sock.sock_ops.listen(sock, backlog);
        return 0;
      });
    }, function(sock, r) {
      // wait for the proxy's listen, so that errors and getsockname's port are known on return
      if (r !== 0 || !sock.sb.listening) return null;
      return function(wakeUp) {
        sock.sb.listening.then(function() {
          wakeUp(sock.sb.state === 'listening' ? 0 : -(sock.sb.bindError || {{{ cDefine('EADDRINUSE') }}}));
        });
      };
    }, function(sock, r) {
      return r === 0 && !!sock.sb.listening && !sock.sb.listener;
    }); });
  },

  __syscall_accept4__deps: ['$SOCKBRIDGE', 'sockbridge_accept4', 'sockbridge_timeo'],
  __syscall_accept4__proxy: false,
  __syscall_accept4: function(fd, addr, addrlen, flags) {
#if USE_PTHREADS
    if (ENVIRONMENT_IS_PTHREAD) {
      return SOCKBRIDGE.blockInThread(function(mode) { return _sockbridge_accept4(mode, fd, addr, addrlen, flags); },
        SOCKBRIDGE.timeoOf(fd, 'rcvTimeo'));
    }
#endif
    return _sockbridge_accept4(0, fd, addr, addrlen, flags);
  },
  sockbridge_accept4__deps: ['$SOCKBRIDGE'],
  sockbridge_accept4__proxy: 'sync',
  sockbridge_accept4: function(mode, fd, addr, addrlen, flags) {
    return SOCKBRIDGE.inMode(mode, function() { return SOCKBRIDGE.runOn(fd, 0, 'rcvTimeo', function(s) {
      var ns = s.sock_ops.accept(s);
      if (flags & {{{ cDefine('SOCK_NONBLOCK') }}}) ns.stream.flags |= {{{ cDefine('O_NONBLOCK') }}};
      SOCKBRIDGE.writeAddr(ns, addr, addrlen, ns.daddr, ns.dport);
      return ns.stream.fd;
    }); });
  },

  // SO_RCVTIMEO (which 0) or SO_SNDTIMEO (1) of fd's socket in ms, -1 for none: a pthread's wait limit
  sockbridge_timeo__deps: ['$SOCKBRIDGE'],
  sockbridge_timeo__proxy: 'sync',
  sockbridge_timeo: function(fd, which) {
    var sock = SOCKFS.getSocket(fd);
    if (!sock || !sock.sb) return -1;
    return which ? sock.sb.sndTimeo : sock.sb.rcvTimeo;
  },

  __syscall_getsockname__deps: ['$SOCKBRIDGE'],
  __syscall_getsockname__proxy: 'sync',
  __syscall_getsockname: function(fd, addr, addrlen) {
    return SOCKBRIDGE.attempt(function() {
      var sock = SOCKBRIDGE.getSocket(fd);
      SOCKBRIDGE.writeAddr(sock, addr, addrlen, sock.saddr, sock.sport);
      return 0;
    });
  },

  __syscall_getpeername__deps: ['$SOCKBRIDGE'],
  __syscall_getpeername__proxy: 'sync',
  __syscall_getpeername: function(fd, addr, addrlen) {
    return SOCKBRIDGE.attempt(function() {
      var sock = SOCKBRIDGE.getSocket(fd);
      if (sock.daddr === undefined || sock.type === {{{ cDefine('SOCK_STREAM') }}} && sock.sb.state !== 'connected' && sock.sb.state !== 'connecting') {
        return -{{{ cDefine('ENOTCONN') }}};
      }
      SOCKBRIDGE.writeAddr(sock, addr, addrlen, sock.daddr, sock.dport);
      return 0;
    });
  },

  // shutdown and setsockopt never reach JS in 3.1.6 (its libc answers them natively): the program
  // links sockbridge_socket.c, which calls these; the __syscall_ names cover releases that do ask JS
  __syscall_shutdown__deps: ['sockbridge_shutdown_js'],
  __syscall_shutdown__proxy: 'sync',
  __syscall_shutdown: function(fd, how) {
    return _sockbridge_shutdown_js(fd, how);
  },
  sockbridge_shutdown_js__deps: ['$SOCKBRIDGE'],
  sockbridge_shutdown_js__proxy: 'sync',
  sockbridge_shutdown_js: function(fd, how) {
    return SOCKBRIDGE.attempt(function() {
      var sock = SOCKBRIDGE.getSocket(fd);
      var sb = sock.sb;
      if (how < 0 || how > 2) return -{{{ cDefine('EINVAL') }}};
      if (sock.type === {{{ cDefine('SOCK_STREAM') }}} && sb.state !== 'connected') return -{{{ cDefine('ENOTCONN') }}};
      if (how !== 1) {
        sb.shutRd = true;
        sb.rq = [];
        sb.rqBytes = 0;
      }
      if (how !== 0 && !sb.shutWr) {
        sb.shutWr = true;
        if (sb.tcp) sb.tcp.end().catch(function() {});
      }
      SOCKBRIDGE.changed(sock);
      return 0;
    });
  },

  __syscall_sendto__deps: ['$SOCKBRIDGE', 'sockbridge_sendto', 'sockbridge_timeo'],
  __syscall_sendto__proxy: false,
  __syscall_sendto: function(fd, message, length, flags, addr, addr_len) {
#if USE_PTHREADS
    if (ENVIRONMENT_IS_PTHREAD) {
      return SOCKBRIDGE.blockInThread(function(mode) { return _sockbridge_sendto(mode, fd, message, length, flags, addr, addr_len); },
        SOCKBRIDGE.timeoOf(fd, 'sndTimeo'));
    }
#endif
    return _sockbridge_sendto(0, fd, message, length, flags, addr, addr_len);
  },
  sockbridge_sendto__deps: ['$SOCKBRIDGE', '$getSocketAddress'],
  sockbridge_sendto__proxy: 'sync',
  sockbridge_sendto: function(mode, fd, message, length, flags, addr, addr_len) {
    return SOCKBRIDGE.inMode(mode, function() { return SOCKBRIDGE.runOn(fd, flags, 'sndTimeo', function(s) {
      var dest = getSocketAddress(addr, addr_len, true);
      return dest ? s.sock_ops.sendmsg(s, HEAPU8, message, length, dest.addr, dest.port)
                  : s.sock_ops.sendmsg(s, HEAPU8, message, length);
    }); });
  },

  __syscall_recvfrom__deps: ['$SOCKBRIDGE', 'sockbridge_recvfrom', 'sockbridge_timeo'],
  __syscall_recvfrom__proxy: false,
  __syscall_recvfrom: function(fd, buf, len, flags, addr, addrlen) {
#if USE_PTHREADS
    if (ENVIRONMENT_IS_PTHREAD) {
      return SOCKBRIDGE.blockInThread(function(mode) { return _sockbridge_recvfrom(mode, fd, buf, len, flags, addr, addrlen); },
        SOCKBRIDGE.timeoOf(fd, 'rcvTimeo'));
    }
#endif
    return _sockbridge_recvfrom(0, fd, buf, len, flags, addr, addrlen);
  },
  sockbridge_recvfrom__deps: ['$SOCKBRIDGE'],
  sockbridge_recvfrom__proxy: 'sync',
  sockbridge_recvfrom: function(mode, fd, buf, len, flags, addr, addrlen) {
    return SOCKBRIDGE.inMode(mode, function() { return SOCKBRIDGE.runOn(fd, flags, 'rcvTimeo', function(s) {
      var msg = SOCKBRIDGE.recvWithFlags(s, len, flags);
      if (!msg) return 0;
      if (addr) SOCKBRIDGE.writeAddr(s, addr, addrlen, msg.addr, msg.port);
      HEAPU8.set(msg.buffer, buf);
      return msg.buffer.length;
    }); });
  },

  __syscall_sendmsg__deps: ['$SOCKBRIDGE', 'sockbridge_sendmsg', 'sockbridge_timeo'],
  __syscall_sendmsg__proxy: false,
  __syscall_sendmsg: function(fd, message, flags) {
#if USE_PTHREADS
    if (ENVIRONMENT_IS_PTHREAD) {
      return SOCKBRIDGE.blockInThread(function(mode) { return _sockbridge_sendmsg(mode, fd, message, flags); },
        SOCKBRIDGE.timeoOf(fd, 'sndTimeo'));
    }
#endif
    return _sockbridge_sendmsg(0, fd, message, flags);
  },
  sockbridge_sendmsg__deps: ['$SOCKBRIDGE', '$readSockaddr'],
  sockbridge_sendmsg__proxy: 'sync',
  sockbridge_sendmsg: function(mode, fd, message, flags) {
    return SOCKBRIDGE.inMode(mode, function() { return SOCKBRIDGE.runOn(fd, flags, 'sndTimeo', function(s) {
      var name = {{{ makeGetValue('message', C_STRUCTS.msghdr.msg_name, '*') }}};
      var namelen = {{{ makeGetValue('message', C_STRUCTS.msghdr.msg_namelen, 'i32') }}};
      var iov = SOCKBRIDGE.iovecs(message);
      var total = iov.total;
      var view = new Uint8Array(total);
      var off = 0;
      for (var i = 0; i < iov.list.length; i++) {
        var v = iov.list[i];
        view.set(HEAPU8.subarray(v.base, v.base + v.len), off);
        off += v.len;
      }
      if (name) {
        var info = readSockaddr(name, namelen);
        if (info.errno) return -info.errno;
        return s.sock_ops.sendmsg(s, view, 0, total, info.addr, info.port);
      }
      return s.sock_ops.sendmsg(s, view, 0, total);
    }); });
  },

  __syscall_recvmsg__deps: ['$SOCKBRIDGE', 'sockbridge_recvmsg', 'sockbridge_timeo'],
  __syscall_recvmsg__proxy: false,
  __syscall_recvmsg: function(fd, message, flags) {
#if USE_PTHREADS
    if (ENVIRONMENT_IS_PTHREAD) {
      return SOCKBRIDGE.blockInThread(function(mode) { return _sockbridge_recvmsg(mode, fd, message, flags); },
        SOCKBRIDGE.timeoOf(fd, 'rcvTimeo'));
    }
#endif
    return _sockbridge_recvmsg(0, fd, message, flags);
  },
  sockbridge_recvmsg__deps: ['$SOCKBRIDGE'],
  sockbridge_recvmsg__proxy: 'sync',
  sockbridge_recvmsg: function(mode, fd, message, flags) {
    return SOCKBRIDGE.inMode(mode, function() { return SOCKBRIDGE.runOn(fd, flags, 'rcvTimeo', function(s) {
      var iov = SOCKBRIDGE.iovecs(message);
      var msg = SOCKBRIDGE.recvWithFlags(s, iov.total, flags);
      var mflags = 0;
      if (!msg) {
        {{{ makeSetValue('message', C_STRUCTS.msghdr.msg_flags, 0, 'i32') }}};
        return 0;
      }
      var name = {{{ makeGetValue('message', C_STRUCTS.msghdr.msg_name, '*') }}};
      if (name) {
        var namelenp = message + {{{ C_STRUCTS.msghdr.msg_namelen }}};
        SOCKBRIDGE.writeAddr(s, name, namelenp, msg.addr, msg.port);
      }
      var done = 0;
      for (var i = 0; done < msg.buffer.length && i < iov.list.length; i++) {
        var v = iov.list[i];
        var k = Math.min(v.len, msg.buffer.length - done);
        HEAPU8.set(msg.buffer.subarray(done, done + k), v.base);
        done += k;
      }
      if (msg.truncated) mflags |= 0x20 /* MSG_TRUNC */;
      {{{ makeSetValue('message', C_STRUCTS.msghdr.msg_flags, 'mflags', 'i32') }}};
      return done;
    }); });
  },

  __syscall_getsockopt__deps: ['$SOCKBRIDGE'],
  __syscall_getsockopt__proxy: 'sync',
  __syscall_getsockopt: function(fd, level, optname, optval, optlen) {
    return SOCKBRIDGE.attempt(function() {
      var sock = SOCKBRIDGE.getSocket(fd);
      var sb = sock.sb;
      var v;
      if (level === {{{ cDefine('SOL_SOCKET') }}}) {
        switch (optname) {
          case {{{ cDefine('SO_ERROR') }}}: v = sock.error || 0; sock.error = null; break;
          case 3 /* SO_TYPE */: v = sock.type; break;
          case 30 /* SO_ACCEPTCONN */: v = sb.state === 'listening' ? 1 : 0; break;
          case 2 /* SO_REUSEADDR */: case 9 /* SO_KEEPALIVE */: case 6 /* SO_BROADCAST */:
          case 15 /* SO_REUSEPORT */: case 10 /* SO_OOBINLINE */:
            v = sb.opts['s' + optname] || 0; break;
          case 8 /* SO_RCVBUF */: v = sb.opts.rcvbuf || SOCKBRIDGE.RECV_HIGH; break;
          case 7 /* SO_SNDBUF */: v = sb.opts.sndbuf || SOCKBRIDGE.SEND_WINDOW; break;
          case 39 /* SO_DOMAIN */: v = sock.family; break;
          case 38 /* SO_PROTOCOL */: v = sock.type === {{{ cDefine('SOCK_STREAM') }}} ? {{{ cDefine('IPPROTO_TCP') }}} : {{{ cDefine('IPPROTO_UDP') }}}; break;
          default: return -{{{ cDefine('ENOPROTOOPT') }}};
        }
      } else if (level === {{{ cDefine('IPPROTO_TCP') }}} && optname === 1 /* TCP_NODELAY */) {
        if (sock.type !== {{{ cDefine('SOCK_STREAM') }}}) return -{{{ cDefine('ENOPROTOOPT') }}};
        v = sb.opts.nodelay ? 1 : 0;
      } else {
        return -{{{ cDefine('ENOPROTOOPT') }}};
      }
      var len = {{{ makeGetValue('optlen', 0, 'i32') }}};
      if (len < 4) return -{{{ cDefine('EINVAL') }}};
      {{{ makeSetValue('optval', 0, 'v', 'i32') }}};
      {{{ makeSetValue('optlen', 0, 4, 'i32') }}};
      return 0;
    });
  },

  __syscall_setsockopt__deps: ['sockbridge_setsockopt_js'],
  __syscall_setsockopt__proxy: 'sync',
  __syscall_setsockopt: function(fd, level, optname, optval, optlen) {
    return _sockbridge_setsockopt_js(fd, level, optname, optval, optlen);
  },
  sockbridge_setsockopt_js__deps: ['$SOCKBRIDGE'],
  sockbridge_setsockopt_js__proxy: 'sync',
  sockbridge_setsockopt_js: function(fd, level, optname, optval, optlen) {
    return SOCKBRIDGE.attempt(function() {
      var sock = SOCKBRIDGE.getSocket(fd);
      var sb = sock.sb;
      // SO_RCVTIMEO/SO_SNDTIMEO are 20/21 in 3.1.6's headers (musl's 64-bit-long numbering), 66/67
      // where musl takes its 32-bit-long branch
      if (optname === 66) optname = 20;
      if (optname === 67) optname = 21;
      if (level === {{{ cDefine('SOL_SOCKET') }}} && (optname === 20 /* SO_RCVTIMEO */ || optname === 21 /* SO_SNDTIMEO */)) {
        // struct timeval: {i32, i32} with Emscripten's 32-bit time_t (3.1.6), {i64, i64} from 3.1.16 on
        var sec, usec;
        if (optlen >= 16) {
          sec = {{{ makeGetValue('optval', 0, 'i32') }}} + {{{ makeGetValue('optval', 4, 'i32') }}} * 4294967296;
          usec = {{{ makeGetValue('optval', 8, 'i32') }}};
        } else if (optlen >= 8) {
          sec = {{{ makeGetValue('optval', 0, 'i32') }}};
          usec = {{{ makeGetValue('optval', 4, 'i32') }}};
        } else return -{{{ cDefine('EINVAL') }}};
        var ms = sec * 1000 + Math.floor(usec / 1000);
        if (ms < 0) return -{{{ cDefine('EDOM') }}};
        if (optname === 20 /* SO_RCVTIMEO */) sb.rcvTimeo = ms || -1;
        else sb.sndTimeo = ms || -1;
        return 0;
      }
      if (optlen < 4) return -{{{ cDefine('EINVAL') }}};
      var v = {{{ makeGetValue('optval', 0, 'i32') }}};
      if (level === {{{ cDefine('SOL_SOCKET') }}}) {
        switch (optname) {
          case 2 /* SO_REUSEADDR */: case 9 /* SO_KEEPALIVE */: case 6 /* SO_BROADCAST */:
          case 15 /* SO_REUSEPORT */: case 10 /* SO_OOBINLINE */:
            sb.opts['s' + optname] = v ? 1 : 0; return 0;
          case 8 /* SO_RCVBUF */: sb.opts.rcvbuf = Math.max(v, 1024) * 2; return 0;
          case 7 /* SO_SNDBUF */: sb.opts.sndbuf = Math.max(v, 1024) * 2; return 0;
          case 13 /* SO_LINGER */: return 0;
          default: return -{{{ cDefine('ENOPROTOOPT') }}};
        }
      }
      if (level === {{{ cDefine('IPPROTO_TCP') }}} && optname === 1 /* TCP_NODELAY */) {
        if (sock.type !== {{{ cDefine('SOCK_STREAM') }}}) return -{{{ cDefine('ENOPROTOOPT') }}};
        sb.opts.nodelay = v ? 1 : 0;
        if (sb.tcp) sb.tcp.setNoDelay(!!v).catch(function() {});
        return 0;
      }
      return -{{{ cDefine('ENOPROTOOPT') }}};
    });
  },

  $SOCKBRIDGE_orig_ioctl: LibraryManager.library.__syscall_ioctl,
  $SOCKBRIDGE_orig_ioctl__deps: LibraryManager.library.__syscall_ioctl__deps,
  __syscall_ioctl__deps: ['$SOCKBRIDGE', '$SOCKBRIDGE_orig_ioctl', '$SYSCALLS'],
  __syscall_ioctl__proxy: 'sync',
  __syscall_ioctl: function(fd, op, varargs) {
    var sock = SOCKFS.getSocket(fd);
    if (sock && sock.sb) {
      SYSCALLS.varargs = varargs;
      var argp = SYSCALLS.get();
      if (op === 0x5421 /* FIONBIO */) {
        if ({{{ makeGetValue('argp', 0, 'i32') }}}) sock.stream.flags |= {{{ cDefine('O_NONBLOCK') }}};
        else sock.stream.flags &= ~{{{ cDefine('O_NONBLOCK') }}};
        return 0;
      }
      return sock.sock_ops.ioctl(sock, op, argp);
    }
    return SOCKBRIDGE_orig_ioctl(fd, op, varargs);
  },

  // poll and select: the same readiness as SOCKFS's (stream_ops.poll of every fd); with ASYNCIFY a
  // timeout waits for a socket to change instead of being ignored
  __syscall_poll__deps: ['$SOCKBRIDGE', 'sockbridge_poll'],
  __syscall_poll__proxy: false,
  __syscall_poll: function(fds, nfds, timeout) {
#if USE_PTHREADS
    if (ENVIRONMENT_IS_PTHREAD) {
      return SOCKBRIDGE.blockInThread(function(mode) { return _sockbridge_poll(mode, fds, nfds, timeout); }, timeout < 0 ? -1 : timeout);
    }
#endif
    return _sockbridge_poll(0, fds, nfds, timeout);
  },
  sockbridge_poll__deps: ['$SOCKBRIDGE', '$SYSCALLS'],
  sockbridge_poll__proxy: 'sync',
  sockbridge_poll: function(mode, fds, nfds, timeout) {
#if ASYNCIFY
    if (!mode && Asyncify.state === Asyncify.State.Rewinding) return Asyncify.handleSleep(function() {});
#endif
    var scan = function() {
      var nonzero = 0;
      for (var i = 0; i < nfds; i++) {
        var pollfd = fds + {{{ C_STRUCTS.pollfd.__size__ }}} * i;
        var fd = {{{ makeGetValue('pollfd', C_STRUCTS.pollfd.fd, 'i32') }}};
        var events = {{{ makeGetValue('pollfd', C_STRUCTS.pollfd.events, 'i16') }}};
        var mask = 0;
        if (fd >= 0) {
          mask = {{{ cDefine('POLLNVAL') }}};
          var stream = FS.getStream(fd);
          if (stream) {
            mask = SYSCALLS.DEFAULT_POLLMASK;
            if (stream.stream_ops.poll) mask = stream.stream_ops.poll(stream);
          }
          mask &= events | {{{ cDefine('POLLERR') }}} | {{{ cDefine('POLLHUP') }}} | {{{ cDefine('POLLNVAL') }}};
        }
        if (mask) nonzero++;
        {{{ makeSetValue('pollfd', C_STRUCTS.pollfd.revents, 'mask', 'i16') }}};
      }
      return nonzero;
    };
    var n = scan();
    if (mode) return n === 0 && timeout !== 0 && mode === 1 ? SOCKBRIDGE.BLOCKED : n;
#if ASYNCIFY
    if (n === 0 && timeout !== 0) return SOCKBRIDGE.sleepScan(scan, timeout < 0 ? -1 : timeout, function(k) { return k; });
#endif
    return n;
  },

  __syscall__newselect__deps: ['$SOCKBRIDGE', 'sockbridge_select'],
  __syscall__newselect__proxy: false,
  __syscall__newselect: function(nfds, readfds, writefds, exceptfds, timeout) {
#if USE_PTHREADS
    if (ENVIRONMENT_IS_PTHREAD) {
      var ms = timeout ? SOCKBRIDGE.timevalMs(timeout) : -1;
      return SOCKBRIDGE.blockInThread(function(mode) { return _sockbridge_select(mode, nfds, readfds, writefds, exceptfds, timeout); }, ms);
    }
#endif
    return _sockbridge_select(0, nfds, readfds, writefds, exceptfds, timeout);
  },
  sockbridge_select__deps: ['$SOCKBRIDGE', '$SYSCALLS'],
  sockbridge_select__proxy: 'sync',
  sockbridge_select: function(mode, nfds, readfds, writefds, exceptfds, timeout) {
#if ASYNCIFY
    if (!mode && Asyncify.state === Asyncify.State.Rewinding) return Asyncify.handleSleep(function() {});
#endif
    if (nfds < 0 || nfds > 64) return -{{{ cDefine('EINVAL') }}};
    var get = function(p, i) { return p ? {{{ makeGetValue('p', 'i * 4', 'i32') }}} : 0; };
    var src = [[get(readfds, 0), get(readfds, 1)], [get(writefds, 0), get(writefds, 1)], [get(exceptfds, 0), get(exceptfds, 1)]];
    for (var fd = 0; fd < nfds; fd++) {
      var bit = 1 << (fd % 32), w = fd < 32 ? 0 : 1;
      if (((src[0][w] | src[1][w] | src[2][w]) & bit) && !FS.getStream(fd)) return -{{{ cDefine('EBADF') }}};
    }
    var dst;
    var scan = function() {
      dst = [[0, 0], [0, 0], [0, 0]];
      var total = 0;
      for (var fd = 0; fd < nfds; fd++) {
        var bit = 1 << (fd % 32), w = fd < 32 ? 0 : 1;
        if (!((src[0][w] | src[1][w] | src[2][w]) & bit)) continue;
        var stream = FS.getStream(fd);
        var flags = SYSCALLS.DEFAULT_POLLMASK;
        if (stream.stream_ops.poll) flags = stream.stream_ops.poll(stream);
        if ((flags & ({{{ cDefine('POLLIN') }}} | {{{ cDefine('POLLHUP') }}} | {{{ cDefine('POLLERR') }}})) && (src[0][w] & bit)) { dst[0][w] |= bit; total++; }
        if ((flags & ({{{ cDefine('POLLOUT') }}} | {{{ cDefine('POLLERR') }}})) && (src[1][w] & bit)) { dst[1][w] |= bit; total++; }
        if ((flags & {{{ cDefine('POLLPRI') }}}) && (src[2][w] & bit)) { dst[2][w] |= bit; total++; }
      }
      return total;
    };
    var store = function() {
      var ps = [readfds, writefds, exceptfds];
      for (var k = 0; k < 3; k++) {
        var p = ps[k];
        if (!p) continue;
        {{{ makeSetValue('p', 0, 'dst[k][0]', 'i32') }}};
        {{{ makeSetValue('p', 4, 'dst[k][1]', 'i32') }}};
      }
    };
    var n = scan();
    var ms = timeout ? SOCKBRIDGE.timevalMs(timeout) : -1;
    // the sets are the pthread's question until its last try: left as they are while it waits
    if (mode === 1 && n === 0 && ms !== 0) return SOCKBRIDGE.BLOCKED;
#if ASYNCIFY
    if (!mode && n === 0 && ms !== 0) return SOCKBRIDGE.sleepScan(scan, ms, function(k) { store(); return k; });
#endif
    store();
    return n;
  },

#if ASYNCIFY || USE_PTHREADS
  // Name lookup through the proxy's resolver (and policy): the address it gives is what
  // Emscripten's own getaddrinfo/gethostbyname then return for that name. Pthreads wait for it
  // (blockInThread), the main thread only with ASYNCIFY; without ASYNCIFY the main thread's
  // lookups stay Emscripten's (a stand-in 172.29.x.y address per name) and the proxy resolves the
  // name when the program connects or sends to it.
  $SOCKBRIDGE_orig_getaddrinfo: LibraryManager.library.getaddrinfo,
  $SOCKBRIDGE_orig_getaddrinfo__deps: LibraryManager.library.getaddrinfo__deps,
  getaddrinfo__deps: ['$SOCKBRIDGE', 'sockbridge_getaddrinfo'],
  getaddrinfo__proxy: false,
  getaddrinfo: function(node, service, hint, out) {
#if USE_PTHREADS
    if (ENVIRONMENT_IS_PTHREAD) {
      return SOCKBRIDGE.blockInThread(function(mode) { return _sockbridge_getaddrinfo(mode, node, service, hint, out); }, -1);
    }
#endif
    return _sockbridge_getaddrinfo(0, node, service, hint, out);
  },
  sockbridge_getaddrinfo__deps: ['$SOCKBRIDGE', '$SOCKBRIDGE_orig_getaddrinfo'],
  sockbridge_getaddrinfo__proxy: 'sync',
  sockbridge_getaddrinfo: function(mode, node, service, hint, out) {
#if ASYNCIFY
    if (!mode && Asyncify.state === Asyncify.State.Rewinding) return Asyncify.handleSleep(function() {});
#endif
    var name = node ? UTF8ToString(node) : '';
    var flags = hint ? {{{ makeGetValue('hint', C_STRUCTS.addrinfo.ai_flags, 'i32') }}} : 0;
    var family = hint ? {{{ makeGetValue('hint', C_STRUCTS.addrinfo.ai_family, 'i32') }}} : 0;
    if (!name || inetPton4(name) !== null || inetPton6(name) !== null || (flags & {{{ cDefine('AI_NUMERICHOST') }}})) {
      if (name && (flags & {{{ cDefine('AI_NUMERICHOST') }}}) && inetPton4(name) === null && inetPton6(name) === null) {
        return {{{ cDefine('EAI_NONAME') }}};
      }
      return SOCKBRIDGE_orig_getaddrinfo(node, service, hint, out);
    }
    if (mode) {
      var r = SOCKBRIDGE.lookupInThread(name, family);
      return r === SOCKBRIDGE.BLOCKED || r < 0 ? r : SOCKBRIDGE_orig_getaddrinfo(node, service, hint, out);
    }
#if ASYNCIFY
    return Asyncify.handleSleep(function(wakeUp) {
      SOCKBRIDGE.resolve(name, family).then(function(r) {
        wakeUp(r < 0 ? r : SOCKBRIDGE_orig_getaddrinfo(node, service, hint, out));
      });
    });
#else
    return SOCKBRIDGE_orig_getaddrinfo(node, service, hint, out);
#endif
  },
  $SOCKBRIDGE_orig_gethostbyname: LibraryManager.library.gethostbyname,
  $SOCKBRIDGE_orig_gethostbyname__deps: LibraryManager.library.gethostbyname__deps,
  gethostbyname__deps: ['$SOCKBRIDGE', 'sockbridge_gethostbyname'],
  gethostbyname__proxy: false,
  gethostbyname: function(namep) {
#if USE_PTHREADS
    if (ENVIRONMENT_IS_PTHREAD) {
      return SOCKBRIDGE.blockInThread(function(mode) { return _sockbridge_gethostbyname(mode, namep); }, -1);
    }
#endif
    return _sockbridge_gethostbyname(0, namep);
  },
  sockbridge_gethostbyname__deps: ['$SOCKBRIDGE', '$SOCKBRIDGE_orig_gethostbyname'],
  sockbridge_gethostbyname__proxy: 'sync',
  sockbridge_gethostbyname: function(mode, namep) {
#if ASYNCIFY
    if (!mode && Asyncify.state === Asyncify.State.Rewinding) return Asyncify.handleSleep(function() {});
#endif
    var name = UTF8ToString(namep);
    if (inetPton4(name) !== null) return SOCKBRIDGE_orig_gethostbyname(namep);
    if (mode) {
      var r = SOCKBRIDGE.lookupInThread(name, {{{ cDefine('AF_INET') }}});
      // h_errno is not kept by Emscripten; NULL is what callers check
      return r === SOCKBRIDGE.BLOCKED ? r : r < 0 ? 0 : SOCKBRIDGE_orig_gethostbyname(namep);
    }
#if ASYNCIFY
    return Asyncify.handleSleep(function(wakeUp) {
      SOCKBRIDGE.resolve(name, {{{ cDefine('AF_INET') }}}).then(function(r) {
        wakeUp(r < 0 ? 0 : SOCKBRIDGE_orig_gethostbyname(namep));
      });
    });
#else
    return SOCKBRIDGE_orig_gethostbyname(namep);
#endif
  },
#endif
};

// recv flags (MSG_PEEK, MSG_WAITALL is treated as a plain recv) live beside the library object so
// the syscalls above stay close to their SOCKFS originals
SockbridgeLibrary.$SOCKBRIDGE.recvWithFlags = function(sock, len, flags) {
  if (!(flags & 0x2 /* MSG_PEEK */)) return sock.sock_ops.recvmsg(sock, len);
  var sb = sock.sb;
  if (sock.type === {{{ cDefine('SOCK_DGRAM') }}}) {
    if (!sb.rq.length) return sock.sock_ops.recvmsg(sock, len);
    var d = sb.rq[0];
    return { buffer: d.data.subarray(0, Math.min(len, d.data.length)), addr: d.host, port: d.port, truncated: d.data.length > len };
  }
  if (!sb.rqBytes) return sock.sock_ops.recvmsg(sock, len);
  var saved = sb.rq.slice(), bytes = sb.rqBytes, resume = sb.resume;
  sb.resume = null;
  var out = SOCKBRIDGE.takeStream(sb, len);
  sb.rq = saved;
  sb.rqBytes = bytes;
  sb.resume = resume;
  return { buffer: out, addr: sock.daddr, port: sock.dport };
};

// a pthread's name lookup (one try, on the main thread): starts it, BLOCKED while it runs, then its
// answer (0 or an EAI_* code) to the first try that asks after it ended
SockbridgeLibrary.$SOCKBRIDGE.lookupInThread = function(name, family) {
  var key = family + ' ' + name;
  var l = SOCKBRIDGE.lookups[key];
  if (!l) {
    l = SOCKBRIDGE.lookups[key] = { done: false, r: 0 };
    SOCKBRIDGE.resolve(name, family).then(function(r) {
      l.done = true;
      l.r = r;
      SOCKBRIDGE.changed(null);
    });
  }
  if (!l.done) return SOCKBRIDGE.BLOCKED;
  if (SOCKBRIDGE.lookups[key] === l) delete SOCKBRIDGE.lookups[key];
  return l.r;
};

// name lookups on the proxy: the first address of the wanted family becomes the name's address in
// Emscripten's DNS table; returns 0, or an EAI_* code
SockbridgeLibrary.$SOCKBRIDGE.resolve = function(name, family) {
  var session = SOCKBRIDGE.session;
  if (!session || session.isClosed) return Promise.resolve({{{ cDefine('EAI_AGAIN') }}});
  return session.resolve(name, { family: family || 0 }).then(function(addrs) {
    var want = family === {{{ cDefine('AF_INET6') }}} ? function(a) { return a.indexOf(':') >= 0; }
      : family === {{{ cDefine('AF_INET') }}} ? function(a) { return a.indexOf(':') < 0; }
      : function(a) { return true; };
    var v4 = addrs.filter(function(a) { return a.indexOf(':') < 0; });
    var pick = addrs.filter(want);
    // AF_UNSPEC: IPv4 first, as the fake DNS it replaces only ever gave IPv4
    var a = family ? pick[0] : (v4[0] || addrs[0]);
    if (!a) return {{{ cDefine('EAI_NONAME') }}};
    DNS.address_map.addrs[name] = a;
    return 0;
  }, function(e) {
    return e && typeof e.errno === 'number' && e.errno < 0 ? e.errno : {{{ cDefine('EAI_FAIL') }}};
  });
};

mergeInto(LibraryManager.library, SockbridgeLibrary);
