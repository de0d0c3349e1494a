// The eleven connection states of RFC 9293 §3.3.2, spelled as in the RFC.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace synfin {

enum class State : std::uint8_t {
    closed,
    listen,
    syn_sent,
    syn_received,
    established,
    fin_wait_1,
    fin_wait_2,
    close_wait,
    closing,
    last_ack,
    time_wait,
};

inline constexpr std::size_t state_count = 11;

inline constexpr std::array<State, state_count> all_states{
    State::closed,     State::listen,     State::syn_sent,   State::syn_received,
    State::established, State::fin_wait_1, State::fin_wait_2, State::close_wait,
    State::closing,    State::last_ack,   State::time_wait,
};

constexpr std::string_view name(State s) {
    constexpr std::array<std::string_view, state_count> names{
        "CLOSED",     "LISTEN",     "SYN-SENT",   "SYN-RECEIVED", "ESTABLISHED", "FIN-WAIT-1",
        "FIN-WAIT-2", "CLOSE-WAIT", "CLOSING",    "LAST-ACK",     "TIME-WAIT",
    };
    auto i = static_cast<std::size_t>(s);
    return i < state_count ? names[i] : std::string_view{"?"};
}

// §3.3.2: the states after the exchange of SYNs.
constexpr bool synchronized(State s) {
    return s != State::closed && s != State::listen && s != State::syn_sent;
}

// States in which this endpoint has sent its FIN (or will once queued data drains).
constexpr bool local_closed(State s) {
    switch (s) {
    case State::fin_wait_1: case State::fin_wait_2: case State::closing:
    case State::last_ack: case State::time_wait: return true;
    default: return false;
    }
}

// States in which the peer's FIN has been received.
constexpr bool remote_closed(State s) {
    switch (s) {
    case State::close_wait: case State::closing: case State::last_ack:
    case State::time_wait: return true;
    default: return false;
    }
}

} // namespace synfin
