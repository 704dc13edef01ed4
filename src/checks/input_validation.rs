//! `input-validation`: untrusted input reaching OS commands, SQL, code evaluation or
//! deserializers.

use super::{Check, CodeDoc, Context, Sink};
use crate::scan::rules::Kind;

pub struct InputValidation;

static CODES: &[CodeDoc] = &[
    CodeDoc {
        code: "command-injection",
        summary: "untrusted input reaches an OS command",
        explanation: "User input is built into a command run by a shell: os.system, subprocess with shell=True, child_process.exec, exec.Command(\"sh\", \"-c\", …), Runtime.exec with a concatenated string, ProcessBuilder(\"sh\", \"-c\", …). `; rm -rf /` then runs.\n\nFix: pass an argument list to an argv API (subprocess.run([...]) without shell, execFile/spawn, exec.Command(name, args...), ProcessBuilder(list)), or quote with shlex.quote.",
    },
    CodeDoc {
        code: "sql-injection",
        summary: "untrusted input is built into an SQL query",
        explanation: "A query built by string operations (concatenation, f-strings, format, %, fmt.Sprintf, String.format) reaches execute/query/Exec/executeQuery.\n\nFix: parameterized queries — cursor.execute(\"... WHERE id = %s\", (value,)), db.query(\"... = ?\", [value]), db.Query(\"... = $1\", value), PreparedStatement with setString.",
    },
    CodeDoc {
        code: "code-injection",
        summary: "untrusted input is evaluated as code",
        explanation: "User input reaches eval/exec/compile, new Function, vm.runIn*Context, or a script engine's eval.\n\nFix: never evaluate input; parse it (json.loads, ast.literal_eval, JSON.parse) or map it to allowed operations.",
    },
    CodeDoc {
        code: "unsafe-deserialization",
        summary: "untrusted input reaches an unsafe deserializer",
        explanation: "pickle.loads, marshal, yaml.load without a safe loader, node-serialize's unserialize, ObjectInputStream.readObject: deserializing attacker data can run code.\n\nFix: use a data-only format (JSON) or a safe loader (yaml.safe_load, Loader=yaml.SafeLoader).",
    },
    CodeDoc {
        code: "nosql-injection",
        summary: "untrusted input reaches a NoSQL operator that runs code",
        explanation: "User input reaches MongoDB's `$where` (or `$function`, `$accumulator`), whose string is JavaScript the database runs, through find, findOne, update*, delete*, countDocuments, where or aggregate.\n\nExample: `collection.find({ $where: `this.owner == '${req.query.name}'` })`.\n\nFix: use plain query operators on fields (`{ owner: name }`), never `$where` with input.",
    },
];

impl Check for InputValidation {
    fn shares(&self) -> Option<&'static str> {
        Some("scan")
    }

    fn id(&self) -> &'static str {
        "input-validation"
    }

    fn summary(&self) -> &'static str {
        "taint analysis: untrusted input reaching commands, SQL, eval or deserializers"
    }

    fn explanation(&self) -> &'static str {
        "The same taint engine as `path-traversal` (see `qgate explain path-traversal`), with the command, SQL, NoSQL (`$where`), code-evaluation and deserialization sinks. Parameterized queries, argv-list process APIs, numeric conversion, allowlists and anchored regex validation stop the flow; each sink kind has its own sanitizers (shlex.quote helps a shell command, not an SQL query)."
    }

    fn codes(&self) -> &'static [CodeDoc] {
        CODES
    }

    fn file_based(&self) -> bool {
        true
    }

    fn extra_explanation(&self) -> Option<String> {
        Some(super::scanned::rules_text())
    }

    fn run(&self, cx: &Context<'_>, sink: &mut Sink) -> Result<(), String> {
        super::scanned::report(
            cx,
            sink,
            &[
                Kind::Command,
                Kind::Sql,
                Kind::Code,
                Kind::Deserialization,
                Kind::Nosql,
            ],
        );
        Ok(())
    }
}
