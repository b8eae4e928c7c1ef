// The default expression checker registry (see expression_checks.h).
#include "config/expression_checks.h"

namespace wb::config {

ExpressionCheckers& default_expression_checkers() {
  static ExpressionCheckers checkers;
  return checkers;
}

}  // namespace wb::config
