// Reading, writing and removing a record's fields by dotted name — what add_field, remove_field,
// rename_field and map do to a record.
//
// Names follow the rules of source paths (source/record_path.h), so that a transform and a mapping
// mean the same field by the same name:
//  - dotted: "address.city" reaches into nested objects, a numeric segment indexes an array;
//  - at each level a member whose name is the whole remaining name wins over splitting at a dot;
//  - data_only records: "after.x" means the record's own "x" unless the record has a member named
//    "after" (RDI's quickstart renames after.country to after.my_country without row_format: full).
// Writing creates the missing levels as objects ("a.b.c" on {} gives {a: {b: {c: ...}}}).
#pragma once
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "source/change_record.h"

namespace wb::transform {

// The value named by path, or nullptr when absent.
const nlohmann::json* find_field(const nlohmann::json& record, RowFormat format, std::string_view path);

// Sets the value named by path, creating missing objects on the way. Returns why it cannot (a level
// on the way holds a value that is not an object, e.g. "a.b" when a is a string), nullopt when done.
std::optional<std::string> assign_field(nlohmann::json& record, RowFormat format, std::string_view path,
                                        nlohmann::json value);

// Removes the value named by path and returns it; nullopt when absent (the record is unchanged).
std::optional<nlohmann::json> take_field(nlohmann::json& record, RowFormat format, std::string_view path);

}  // namespace wb::transform
