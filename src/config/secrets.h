// Secret references in pipeline scalars, resolved only when a connection is opened:
//   ${env:NAME}              the environment variable NAME
//   ${NAME}                  the same (RDI writes secrets this way; we read them from the environment)
//   ${file:/path}            the file's content, trailing newlines trimmed
//   ${file:/path:property}   the value of `property` in a key=value properties file
// A reference may appear anywhere in a scalar ("host=${env:H};port=1"), several times; "$${" is a
// literal "${". The model keeps the text unresolved: deploy stores it unresolved in Redis, and
// nothing prints a resolved value. Errors name the reference, never a secret's value.
#pragma once
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "config/pipeline.h"

namespace wb::config {

class SecretError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct SecretReference {
  enum class Kind { kEnv, kFile };
  Kind kind = Kind::kEnv;
  std::string name;      // env: the variable; file: the path
  std::string property;  // file: the property, "" for the whole content
  size_t offset = 0;     // where "${" starts in the scalar
  size_t length = 0;     // through the closing '}'
  std::string text;      // the reference as written, e.g. ${env:PG_PASSWORD}
};

struct SecretScan {
  std::vector<SecretReference> references;
  std::vector<std::string> problems;  // ill-formed references, e.g. "unknown secret source 'vault' in ${vault:x}"
};

// Finds every reference in value without resolving anything (validation uses this).
SecretScan scan_secrets(std::string_view value);
bool has_secret_reference(std::string_view value);

// value with every reference replaced by what it names. Throws SecretError when a variable is
// unset, a file unreadable or a property absent, or when a reference is ill-formed.
std::string resolve_secrets(std::string_view value);

// A copy of the connection with every string field resolved (host, user, password, database,
// hosts, query_args and connect_args values, tls paths). Throws SecretError naming the connection.
Connection resolve_connection_secrets(const Connection& connection);

}  // namespace wb::config
