#pragma once
// One thread of `echo-bench chat`: an epoll loop over its share of the clients. Every client
// joins its room and waits to see its own hello come back; then the senders send (closed loop:
// while fewer than -p of their messages are on their way back to themselves; open loop: when the
// thread's share of --rate makes one due) and every member checks every line it reads
// (DeliveryChecker). Members never stop reading, so the server never has a reason to cut them off.

#include <sys/epoll.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "chat_plan.hpp"
#include "delivery_checker.hpp"
#include "open_loop_schedule.hpp"
#include "target.hpp"

namespace echo::bench {

class ChatWorker {
 public:
  // `clients`: the clients this thread runs; `outcomes` (one per client) gets theirs at the end.
  ChatWorker(const ChatPlan& plan, const Target& target, const std::vector<std::size_t>& clients, double rate,
             ChatStats& stats, ChatControl& control, std::vector<MemberOutcome>& outcomes);
  ~ChatWorker();
  ChatWorker(const ChatWorker&) = delete;
  ChatWorker& operator=(const ChatWorker&) = delete;

  void run();  // returns once told to stop

 private:
  struct Conn {
    Conn(std::size_t client_, std::size_t room_, std::size_t senders) : client(client_), room(room_), checker(senders) {}
    std::size_t client, room;
    long sender = -1;  // its sender number, if it sends
    int fd = -1;
    bool connected = false, joined = false, closed = false;
    std::string in;   // a line not complete yet
    std::string out;  // bytes not yet written
    std::size_t out_done = 0;
    bool want_write = false;
    std::uint64_t seq = 0;       // messages it sent
    std::uint64_t own_back = 0;  // of those, delivered back to it (closed loop)
    std::uint64_t unexpected = 0;
    DeliveryChecker checker;
  };

  void on_event(const epoll_event& ev, Clock::time_point now);
  void on_connected(Conn& c);
  void on_readable(Conn& c, Clock::time_point now);
  void on_line(Conn& c, std::string_view line, Clock::time_point now);
  void on_message(Conn& c, std::uint64_t sender, std::uint64_t seq, std::uint64_t origin_ns, Clock::time_point now);
  void send_message(Conn& c, Clock::time_point origin);
  void fill_closed_loop(Clock::time_point now);
  void release_due(Clock::time_point now);
  void flush(Conn& c);
  void lost(Conn& c, const std::string& why);
  void watch(Conn& c, int op);
  bool members_complete() const;
  void phases(Clock::time_point now);
  void record_outcomes();

  const ChatPlan& plan_;
  const Target& target_;
  ChatStats& stats_;
  ChatControl& control_;
  std::vector<MemberOutcome>& outcomes_;
  std::vector<Conn> conns_;
  std::vector<std::size_t> senders_;  // indexes into conns_ of the clients that send
  int epoll_fd_ = -1;
  OpenLoopSchedule schedule_;
  std::uint64_t released_ = 0;  // open loop: messages of this thread released so far
  bool going_ = false, senders_reported_ = false, complete_reported_ = false;
  Clock::time_point connect_deadline_;
  std::vector<char> buf_;
};

}  // namespace echo::bench
