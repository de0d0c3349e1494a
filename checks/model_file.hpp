// Model files: a user's own configuration and checks in TOML (docs/models.md), so that a stack
// author checks their stack's knobs without writing C++. Read once, checked before anything is
// explored; every error is FILE:LINE:COL.
#pragma once

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "expr.hpp"
#include "runner.hpp"
#include "suite.hpp"

namespace synfin::model {

struct HostModel {
    std::string profile_name;        // a built-in profile ('synfin list'), before the overrides
    Profile profile{};               // with the file's knobs, in the profile's unit (milliseconds)
    std::vector<ScriptStep> script;
    bool may_crash = false;
    bool reads_all = true;
    bool after_peer_opens = false;
    IssPolicy iss = IssPolicy::clock;
    std::uint8_t first_iss = 0;
    bool any_first_iss = false;
};

// A check of a built-in property, or of one the file states: `invariant = "EXPR"` (safety: EXPR
// holds in every reachable state) or `leads_to = ["P", "Q"]` (every fair run from a P-state
// reaches a Q-state), in the language of checks/expr.hpp.
enum class CheckKind : std::uint8_t { builtin, invariant, leads_to };

struct CheckModel {
    std::string property;            // the built-in property's name, or the check's own `name`
    CheckKind kind = CheckKind::builtin;
    std::shared_ptr<const expr::Program> p, q; // the invariant, or P and Q
    suite::Verdict expected = suite::Verdict::holds;
    std::string why;
};

struct Model {
    std::string path;                // as given: the configuration name its traces carry
    std::string summary;
    std::uint8_t msl = 2;            // ticks per MSL
    std::uint8_t capacity = 3;
    std::int8_t loss = 0;            // -1: any segment at any time
    std::uint8_t duplication = 0;
    std::uint8_t crashes = 0;
    std::uint8_t overflow = 0;
    int max_retries = 2;
    std::array<HostModel, 2> host{}; // a (the client role, host 0) and b
    std::vector<CheckModel> checks;
    std::vector<suite::Cell> cells;  // views into this model: it is never moved once loaded
};

struct Error {
    std::string file;
    std::size_t line = 0, column = 0; // 0: the file as a whole
    std::string message;
    [[nodiscard]] std::string text() const;
};

// Reads and checks a model file (cached: a second call returns the same model).
std::variant<const Model*, Error> load(const std::string& path);

// Reads a model from text (tests, fuzzing); `path` names it in errors and traces.
std::variant<std::unique_ptr<Model>, Error> parse(std::string_view text, const std::string& path);

// The configuration of a model at resolution msl (0: the model's own).
Config make_config(const Model& m, std::uint8_t msl = 0);

// For suite::model_loader(): a loaded model's configuration, or nothing when it does not load.
std::optional<Config> load_config(std::string_view file, std::uint8_t msl);

namespace detail {
// The private-use code point toml++ reads in place of one it mishandles, and back (model_file.cpp).
std::uint32_t stand_in(std::uint32_t cp);
std::uint32_t original(std::uint32_t cp);
} // namespace detail

// For suite::user_property_loader(): a loaded model's own property by its name.
std::optional<suite::UserProperty> user_property(std::string_view file, std::string_view property);

// A profile as a model-file fragment (`synfin profile show`), and the knobs two profiles set
// differently (`synfin profile diff`), one "name = a -> b" line each.
std::string show_profile(const suite::ProfileChoice& p);
std::vector<std::string> diff_profiles(const Profile& a, const Profile& b);

} // namespace synfin::model
