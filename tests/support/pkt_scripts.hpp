// Packetdrill script fragments that several tests start from.
#pragma once

namespace synfin::test {

// A listener accepts one connection, without timestamps; descriptor 4 is the accepted socket.
inline constexpr const char* passive_open = R"(0 `sysctl -q net.ipv4.tcp_timestamps=0`
0.000 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 bind(3, ..., ...) = 0
+0 listen(3, 1) = 0
+0 < S 0:0(0) win 65535 <mss 1460>
+0 > S. 0:0(0) ack 1 win 64240 <mss 1460>
+.1 < . 1:1(0) ack 1 win 65535
+0 accept(3, ..., ...) = 4
)";

} // namespace synfin::test
