import "@learnops/ui/theme.css";
import { mountApp } from "@learnops/ui/mount";
import { App } from "./app.tsx";

mountApp(<App />);
