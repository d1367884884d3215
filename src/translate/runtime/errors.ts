/**
 * Errors thrown by compiled mappings, shaped as jsonata's own (`{code, position, token, value}`)
 * so that `mapping_failed` reads the same whichever path ran. The templates below are the ones
 * jsonata 2.2.2 uses for the codes the runtime can raise (jsonata is MIT licensed,
 * © IBM Corp. 2016, 2018); a message is filled in once, when the error leaves the mapping.
 */

/** A failure inside a mapping, as jsonata reports it. */
export interface MappingError {
  code: string;
  position?: number;
  token?: string;
  value?: unknown;
  value2?: unknown;
  index?: number;
  type?: string;
  message?: string;
}

const TEMPLATES: Record<string, string> = {
  T0410: "Argument {{index}} of function {{token}} does not match function signature",
  T0411: "Context value is not a compatible type with argument {{index}} of function {{token}}",
  T0412: "Argument {{index}} of function {{token}} must be an array of {{type}}",
  D1001: "Number out of range: {{value}}",
  D1002: "Cannot negate a non-numeric value: {{value}}",
  T1003: "Key in object structure must evaluate to a string; got: {{value}}",
  D1004: "Regular expression matches zero length string",
  T1006: "Attempted to invoke a non-function",
  D1009: "Multiple key definitions evaluate to same key: {{value}}",
  T1010:
    "The matcher function argument passed to function {{token}} does not return the correct object structure",
  D1011:
    "Stack overflow. Check for non-terminating recursive function.  Consider rewriting as tail-recursive",
  D1013: "Object property names starting with _jsonata_ are reserved for internal use: {{value}}",
  T2001: "The left side of the {{token}} operator must evaluate to a number",
  T2002: "The right side of the {{token}} operator must evaluate to a number",
  T2006: "The right side of the function application operator ~> must be a function",
  T2009:
    "The values {{value}} and {{value2}} either side of operator {{token}} must be of the same data type",
  T2010:
    "The expressions either side of operator {{token}} must evaluate to numeric or string values",
  D2015: "The maximum sequence length of {{value}} was exceeded.",
  D3001: "Attempting to invoke string function on Infinity or NaN",
  D3010: "Second argument of replace function cannot be an empty string",
  D3011: "Fourth argument of replace function must evaluate to a positive number",
  D3012: "Attempted to replace a matched string with a non-string value",
  D3020: "Third argument of split function must evaluate to a positive number",
  D3030: "Unable to cast value to a number: {{value}}",
  D3070:
    "The single argument form of the sort function can only be applied to an array of strings or an array of numbers.  Use the second argument to specify a comparison function",
};

/** Fills `message` from the code's template, as jsonata does when an error leaves `evaluate`. */
export function withMessage(error: MappingError): MappingError {
  const template = TEMPLATES[error.code];
  if (template === undefined) return error;
  const fields = error as unknown as Record<string, unknown>;
  error.message = template
    .replace(/\{\{\{([^}]+)}}}/g, (_, name: string) => String(fields[name]))
    .replace(/\{\{([^}]+)}}/g, (_, name: string) => JSON.stringify(fields[name]) as string);
  return error;
}

/** True for an error raised by a mapping (compiled or interpreted), as opposed to a bug. */
export function isMappingError(error: unknown): error is MappingError {
  return (
    typeof error === "object" && error !== null && typeof (error as MappingError).code === "string"
  );
}
