import { createApp } from 'vue'
import {
  ActionSheet,
  Button,
  Cell,
  CellGroup,
  Checkbox,
  Dialog,
  Empty,
  Field,
  Form,
  Icon,
  List,
  Loading,
  NavBar,
  NoticeBar,
  Picker,
  Popup,
  PullRefresh,
  Tab,
  Tabbar,
  TabbarItem,
  Tabs,
  Tag,
} from 'vant'
import 'vant/lib/index.css'
import App from './App.vue'
import { router } from './router'
import { connectSession } from './stores/session'
import './styles.css'

const app = createApp(App)
for (const c of [
  ActionSheet,
  Button,
  Cell,
  CellGroup,
  Checkbox,
  Dialog,
  Empty,
  Field,
  Form,
  Icon,
  List,
  Loading,
  NavBar,
  NoticeBar,
  Picker,
  Popup,
  PullRefresh,
  Tab,
  Tabbar,
  TabbarItem,
  Tabs,
  Tag,
]) {
  app.use(c)
}
app.use(router)
connectSession(router)
app.mount('#app')
