export { type EventName, Events } from "./events.js";
export { type TemplateName, Templates } from "./templates.js";
