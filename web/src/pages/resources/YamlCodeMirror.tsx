// CodeMirror 6 with YAML highlighting and the editor's problems as lint marks. Part of the lazily loaded editor
// chunk: nothing on the first screen imports it.
import { useEffect, useRef } from 'react';
import { EditorState, Compartment } from '@codemirror/state';
import { EditorView, keymap, lineNumbers, highlightActiveLine, highlightActiveLineGutter, drawSelection } from '@codemirror/view';
import { defaultKeymap, history, historyKeymap, indentWithTab } from '@codemirror/commands';
import { bracketMatching, defaultHighlightStyle, foldGutter, indentOnInput, syntaxHighlighting } from '@codemirror/language';
import { yaml } from '@codemirror/lang-yaml';
import { linter, lintGutter, type Diagnostic } from '@codemirror/lint';

export interface EditorProblem {
  from: number;
  to: number;
  message: string;
}

const darkTheme = EditorView.theme(
  {
    '&': { backgroundColor: '#141414', color: '#e6e6e6' },
    '.cm-gutters': { backgroundColor: '#1f1f1f', color: '#8c8c8c', border: 'none' },
    '.cm-activeLine': { backgroundColor: 'rgba(255,255,255,0.04)' },
    '.cm-activeLineGutter': { backgroundColor: 'rgba(255,255,255,0.06)' },
    '&.cm-focused .cm-cursor': { borderLeftColor: '#e6e6e6' },
    '.cm-selectionBackground, &.cm-focused .cm-selectionBackground': { backgroundColor: 'rgba(22,119,255,0.35)' },
  },
  { dark: true },
);

export default function YamlCodeMirror({
  value,
  onChange,
  problems,
  readOnly = false,
  dark = false,
  height = '55vh',
}: {
  value: string;
  onChange?: (text: string) => void;
  /** what the editor's own check found (syntax, missing kind ...), underlined in the text */
  problems?: (text: string) => EditorProblem[];
  readOnly?: boolean;
  dark?: boolean;
  height?: string;
}) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const onChangeRef = useRef(onChange);
  onChangeRef.current = onChange;
  const problemsRef = useRef(problems);
  problemsRef.current = problems;
  const theme = useRef(new Compartment());
  const editable = useRef(new Compartment());

  useEffect(() => {
    const state = EditorState.create({
      doc: value,
      extensions: [
        lineNumbers(),
        highlightActiveLineGutter(),
        foldGutter(),
        drawSelection(),
        history(),
        indentOnInput(),
        bracketMatching(),
        highlightActiveLine(),
        syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
        yaml(),
        EditorState.tabSize.of(2),
        keymap.of([...defaultKeymap, ...historyKeymap, indentWithTab]),
        lintGutter(),
        linter(
          (v): Diagnostic[] =>
            (problemsRef.current?.(v.state.doc.toString()) ?? []).map((p) => ({
              from: Math.min(p.from, v.state.doc.length),
              to: Math.min(Math.max(p.to, p.from), v.state.doc.length),
              severity: 'error',
              message: p.message,
            })),
          { delay: 250 },
        ),
        theme.current.of(dark ? darkTheme : []),
        editable.current.of([EditorState.readOnly.of(readOnly), EditorView.editable.of(!readOnly)]),
        EditorView.updateListener.of((u) => {
          if (u.docChanged) onChangeRef.current?.(u.state.doc.toString());
        }),
      ],
    });
    view.current = new EditorView({ state, parent: host.current! });
    return () => {
      view.current?.destroy();
      view.current = null;
    };
    // created once; value, theme and read-only changes are dispatched below
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  // a new text from outside (reload latest, restore mine): replace the document
  useEffect(() => {
    const v = view.current;
    if (v && v.state.doc.toString() !== value) v.dispatch({ changes: { from: 0, to: v.state.doc.length, insert: value } });
  }, [value]);
  useEffect(() => {
    view.current?.dispatch({ effects: theme.current.reconfigure(dark ? darkTheme : []) });
  }, [dark]);
  useEffect(() => {
    view.current?.dispatch({ effects: editable.current.reconfigure([EditorState.readOnly.of(readOnly), EditorView.editable.of(!readOnly)]) });
  }, [readOnly]);

  return <div ref={host} className="kd-editor" style={{ height }} data-testid="yaml-editor" />;
}
