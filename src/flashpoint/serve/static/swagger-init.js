// The API docs at /docs: Swagger UI from the server's own copy, started here rather than by an
// inline script (the Content-Security-Policy allows the server's own scripts only).
window.ui = window.SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  layout: "BaseLayout",
  deepLinking: true,
  presets: [window.SwaggerUIBundle.presets.apis],
});
