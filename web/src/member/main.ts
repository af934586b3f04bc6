import { createApp } from 'vue'
import {
  Button, Cell, CellGroup, Checkbox, Dialog, Empty, Field, Form, Icon, List,
  NavBar, NoticeBar, Picker, Popup, PullRefresh, Switch, Tab, Tabbar, TabbarItem, Tabs, Tag,
} from 'vant'
import 'vant/lib/index.css'
import App from './App.vue'
import { router } from './router'
import { connectSession } from './stores/session'
import './styles.css'

const app = createApp(App)
// Only the Vant components the pages use (each registered as <van-…>).
const components = [
  Button, Cell, CellGroup, Checkbox, Dialog, Empty, Field, Form, Icon, List,
  NavBar, NoticeBar, Picker, Popup, PullRefresh, Switch, Tab, Tabbar, TabbarItem, Tabs, Tag,
]
for (const c of components) app.use(c)
app.use(router)
connectSession(router)
app.mount('#app')
