/** Stylesheets bundled as text (esbuild's `text` loader), for the embed's shadow root. */
declare module '*.css' {
  const text: string;
  export default text;
}
