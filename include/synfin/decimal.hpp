// Decimal numbers from text: the one reader behind every parser and command line of the project
// (scripts, traces, scenarios, options), so that none truncates, wraps or takes trailing text.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace synfin {

// At most 18 digits: every value fits std::int64_t, and sums of a few stay far from overflow.
inline constexpr std::size_t max_decimal_digits = 18;

// A whole decimal number in [0, max], or nothing: no sign, no trailing text, no overflow.
constexpr std::optional<std::int64_t> decimal_in_range(std::string_view v, std::int64_t max) {
    if (v.empty() || v.size() > max_decimal_digits) return std::nullopt;
    std::int64_t n = 0;
    for (char ch : v) {
        if (ch < '0' || ch > '9') return std::nullopt;
        n = n * 10 + (ch - '0');
    }
    if (n > max) return std::nullopt;
    return n;
}

// A whole decimal number in [lo, hi], as a command-line option's range says.
constexpr std::optional<std::int64_t> decimal_between(std::string_view v, std::int64_t lo, std::int64_t hi) {
    auto n = decimal_in_range(v, hi);
    if (!n || *n < lo) return std::nullopt;
    return n;
}

// The same with an optional sign: a number of at most 18 digits, either way from zero.
constexpr std::optional<std::int64_t> signed_decimal(std::string_view v) {
    const bool negative = !v.empty() && v.front() == '-';
    if (!v.empty() && (v.front() == '-' || v.front() == '+')) v.remove_prefix(1);
    auto n = decimal_in_range(v, INT64_MAX);
    if (!n) return std::nullopt;
    return negative ? -*n : *n;
}

static_assert(decimal_in_range("0", 0) == 0 && !decimal_in_range("", 9) && !decimal_in_range("1x", 9) &&
              !decimal_in_range("10", 9) && !decimal_in_range("-1", 9) && !decimal_in_range("9999999999999999999", INT64_MAX));
static_assert(decimal_between("1", 1, 256) == 1 && !decimal_between("0", 1, 256) && !decimal_between("257", 1, 256));
static_assert(signed_decimal("-12") == -12 && signed_decimal("+7") == 7 && !signed_decimal("-") && !signed_decimal("--1"));

} // namespace synfin
