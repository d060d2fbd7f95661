#pragma once
// One shutdown path for every backend: SIGINT or SIGTERM makes stop_fd() readable, for good.
// Blocking backends poll() it beside their sockets; asio backends await it. Forked children
// inherit the same eventfd, so one signal to the parent reaches every child at once.

namespace echo {

void install_stop_handlers();  // call once, before any thread or child is started
int stop_fd();                 // readable once stop was requested; never drained
bool stop_requested();
void request_stop();  // what the handler does; async-signal-safe

}  // namespace echo
