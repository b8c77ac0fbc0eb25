import "@learnops/ui/theme.css";
import "./learner.css";
import "./courses.css";
import { mountApp } from "@learnops/ui/mount";
import { App } from "./app.tsx";

mountApp(<App />);
